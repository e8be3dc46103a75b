"""Evidence in Chromium: an observer attaches a PDF on the case file page and sees it listed with its
hash; a program renamed .pdf is refused with a message; the download is a file, not a page."""

import hashlib

import pytest
from playwright.sync_api import expect

from tests.browser import chromium, live_server, sign_in
from tests.conftest import setup_trial
from tests.evidence_util import exe_bytes, pdf_bytes
from tests.test_browser import ARTIFACTS

pytestmark = pytest.mark.browser


def test_an_observer_attaches_a_file_on_the_case_file_and_sees_it_listed(app, tmp_path):
    setup = setup_trial(app, defendants=1)
    defendant = setup["defendants"][0]
    pdf = tmp_path / "Detention order.pdf"
    pdf.write_bytes(pdf_bytes())
    fake = tmp_path / "judgment.pdf"
    fake.write_bytes(exe_bytes())
    ARTIFACTS.mkdir(exist_ok=True)
    with live_server(app) as base_url, chromium() as browser:
        page = browser.new_page(base_url=base_url, viewport={"width": 1366, "height": 900})
        problems = []
        page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        sign_in(page, "oleg")
        page.goto(f"/defendants/{defendant['uuid']}/case-file")
        panel = page.locator("#evidence")
        expect(panel).to_contain_text("No file attached.")
        expect(panel).to_contain_text("At most 20 MiB")
        panel.get_by_label("Attach a file").set_input_files(str(fake))
        panel.get_by_role("button", name="Attach", exact=True).click()
        expect(page.locator(".flash-error").first).to_contain_text("is not a file of a kind accepted here")
        panel = page.locator("#evidence")
        panel.get_by_label("Attach a file").set_input_files(str(pdf))
        panel.get_by_label("Source").select_option("counsel")
        panel.get_by_label("What it is").fill("Detention order of 3 May, from counsel")
        panel.get_by_role("button", name="Attach", exact=True).click()
        row = page.locator("#evidence table tbody tr")
        expect(row).to_have_count(1)
        expect(row).to_contain_text("Detention order.pdf")
        expect(row).to_contain_text("PDF")
        expect(row).to_contain_text("Defence counsel")
        digest = hashlib.sha256(pdf_bytes()).hexdigest()
        expect(row.locator("code")).to_have_attribute("title", digest)
        expect(row.locator("code")).to_have_text(digest[:12] + "…")
        page.screenshot(path=str(ARTIFACTS / "60-evidence-case-file.png"), full_page=True)
        with page.expect_download() as downloaded:
            row.get_by_role("link", name="Detention order.pdf").click()
        download = downloaded.value
        assert download.suggested_filename == "Detention order.pdf"
        assert hashlib.sha256(download.path().read_bytes()).hexdigest() == digest
        expect(row.get_by_text("Withdraw")).to_have_count(0)  # an observer does not withdraw

        lead = browser.new_page(base_url=base_url, viewport={"width": 1366, "height": 900})
        lead.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
        sign_in(lead, "lena")
        lead.goto(f"/defendants/{defendant['uuid']}/case-file#evidence")
        row = lead.locator("#evidence table tbody tr")
        row.locator("summary", has_text="Withdraw").click()
        row.get_by_label("Reason").fill("The order of another defendant")
        row.get_by_role("button", name="Withdraw the file").click()
        row = lead.locator("#evidence table tbody tr")
        expect(row).to_contain_text("Withdrawn")
        expect(row).to_contain_text("The order of another defendant")
        expect(row.get_by_role("link", name="Detention order.pdf")).to_have_count(0)
        lead.locator("#evidence").screenshot(path=str(ARTIFACTS / "61-evidence-withdrawn.png"))
    assert problems == []
