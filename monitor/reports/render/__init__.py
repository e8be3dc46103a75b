"""Observation reports — a hearing, a trial, a mission's findings — laid out once, rendered as HTML.

A report is built only from a *redacted* dataset (``redact.redact``), never from the database, so it
cannot show what its profile removed. :func:`prepare` turns the dataset (and the findings) into plain
blocks — facts, tables, sentences, charts — in the chosen language; the Jinja templates in
``templates/reports/`` and the DOCX writer (``docx.py``) both render those blocks, so every format says
the same thing.

- ``blocks`` — what a report is made of (Report, Section, Block, Table, Cell) and the formatting helpers;
- ``hearing``, ``trial``, ``mission`` — each kind of report;
- ``findings`` — the findings as sentences and the custody clocks, shared by the trial and mission reports;
- ``matrix`` — the defendant × right matrix (trial reports) and the trial × right summary (the mission's);
- ``html`` — :func:`prepare` and :func:`render_html`, with the page and column rules.
"""

from .blocks import DASH, KINDS, Block, Cell, Report, Section, Table, people
from .html import edition, page_label, prepare, render_html

__all__ = [
    "DASH",
    "KINDS",
    "Block",
    "Cell",
    "Report",
    "Section",
    "Table",
    "edition",
    "page_label",
    "people",
    "prepare",
    "render_html",
]
