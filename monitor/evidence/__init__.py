"""Evidence files: documents and photos attached to a case file, a sitting, a witness or an allegation.

``files`` (what a file is, from its bytes), ``records`` (storing, checking, listing), ``routes`` (the
pages' blueprint), ``report`` (the annex of a report).
"""
