"""A report's HTML printed to PDF by WeasyPrint (A4, fonts embedded, Cyrillic and Kazakh included)."""

from weasyprint import HTML


def to_pdf(html: str, base_url: str) -> bytes:
    """The PDF of ``html``; ``base_url`` (the repository root) resolves any relative link in it.

    The report's stylesheet is inlined by render.render_html, so nothing needs fetching.
    """
    return HTML(string=html, base_url=base_url).write_pdf()
