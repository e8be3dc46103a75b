"""The workbook writer writes one sheet at a time: a row for a sheet already closed is refused, not lost."""

import io

import openpyxl
import pytest

from monitor.reports.xlsx import Workbook


def test_a_row_for_a_sheet_already_closed_is_refused_rather_than_silently_dropped():
    out = io.BytesIO()
    with Workbook(out) as book:
        first = book.sheet("First")
        first.header(["name"])
        first.append(["kept"])
        book.sheet("Second").append(["other"])  # starting the second sheet closes the first
        with pytest.raises(ValueError, match="'First' is closed"):
            first.append(["late"])
    workbook = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    assert [row for row in workbook["First"].iter_rows(values_only=True)] == [("name",), ("kept",)]
    assert [row for row in workbook["Second"].iter_rows(values_only=True)] == [("other",)]
