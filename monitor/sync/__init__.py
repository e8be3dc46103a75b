"""Field sync: bundles that carry records between laptops and the mission server, exactly once.

``bundle`` is the file format, ``content`` what a record carries, ``exporter`` and ``importer`` the two
directions, ``conflicts`` the lead's queue, ``client`` push and pull over HTTP, ``routes`` the pages.
"""
