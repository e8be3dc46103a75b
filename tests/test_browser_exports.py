"""Reports and exports from the browser: started in the background, progress shown, file downloaded."""

import io
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser import demo_page
from tests.test_browser import ARTIFACTS

pytestmark = pytest.mark.browser


def test_a_lead_exports_data_and_a_report_with_progress(app):
    ARTIFACTS.mkdir(exist_ok=True)
    with demo_page(app, console=False, accept_downloads=True) as (page, problems):
        page.get_by_role("link", name="Demonstration mission (fictional)").first.click()
        page.get_by_role("link", name="Reports and exports").click()
        shot = ARTIFACTS / "30-exports.png"
        page.screenshot(path=str(shot), full_page=True)

        data = page.locator("form").filter(has=page.locator("input[value=data]"))
        data.get_by_label("Excel (XLSX), one sheet per table").check()
        data.get_by_label("Public — also pseudonyms for people, free text removed").check()
        data.get_by_role("button", name="Export the data").click()
        expect(page.locator("#job-progress")).to_be_visible()
        download_link = page.get_by_role("link", name="Download")
        expect(download_link).to_be_visible(timeout=30_000)
        assert page.locator("#job-progress").get_attribute("value") == "100"
        assert page.locator("h1").inner_text() == "Data export, Excel (XLSX), English"
        expect(page.locator("#job-message")).to_have_text("Ready to download.")
        assert "Public edition" in page.inner_text("main")
        page.screenshot(path=str(ARTIFACTS / "31-export-done.png"))
        with page.expect_download() as info:
            download_link.click()
        content = Path(info.value.path()).read_bytes()
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        assert "defendants" in workbook.sheetnames
        workbook.close()

        page.get_by_role("link", name="Reports and exports").click()
        cells = page.locator("table").last.locator("tbody tr").first.locator("td").all_inner_texts()
        assert cells[1:] == ["Data export, Excel (XLSX), English", "Public edition", "Ready"]  # no codes
        report = page.locator("form").filter(has=page.locator("input[value=mission]"))
        report.get_by_role("button", name="Make the report").click()
        expect(page.get_by_role("link", name="Download")).to_be_visible(timeout=60_000)
        with page.expect_download() as info:
            page.get_by_role("link", name="Download").click()
        reader = PdfReader(io.BytesIO(Path(info.value.path()).read_bytes()))
        text = "".join(p.extract_text() for p in reader.pages[:4])
        assert "Demonstration mission (fictional)" in text
        assert problems == []
