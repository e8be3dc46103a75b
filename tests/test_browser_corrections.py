"""The corrections page in Chromium, as a lead reads it: the forms' words, no stored code, in English and
Russian (screenshots in tests/artifacts)."""

import pytest
from playwright.sync_api import expect

from monitor.db import connect
from tests.browser import chromium, live_server, sign_in
from tests.test_browser import ARTIFACTS
from tests.test_corrections_page import CHOICE, corrected  # noqa: F401 (corrected is a fixture)

pytestmark = pytest.mark.browser
CODES = {"not_observed", "restricted", "(value)", "(provenance)", "public_access", "provenance"}
CODES |= {option.value for option in CHOICE.options if "_" in option.value}


def test_a_lead_reads_a_correction_in_the_forms_words_in_english_and_russian(app, corrected):  # noqa: F811
    db = connect(app.config["DATABASE"])
    hearing = next(db.query("SELECT uuid FROM hearing"))["uuid"]
    db.close()
    ARTIFACTS.mkdir(exist_ok=True)
    with live_server(app) as base_url, chromium() as browser:
        page = browser.new_page(base_url=base_url, viewport={"width": 1366, "height": 768})
        problems = []
        page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
        sign_in(page, "lena")
        page.goto(f"/hearings/{hearing}")
        page.get_by_role("link", name="Corrections").first.click()
        main = page.locator("main")
        expect(main).to_contain_text("Told by counsel")
        expect(main).to_contain_text("Not observed")
        text = main.inner_text()
        assert not [code for code in CODES if code in text], text[:500]
        page.screenshot(path=str(ARTIFACTS / "corrections-en.png"), full_page=True)

        page.get_by_role("button", name="RU").click()
        main = page.locator("main")
        expect(main).to_contain_text("Не наблюдалось")
        text = main.inner_text()
        assert not [code for code in CODES if code in text], text[:500]
        page.screenshot(path=str(ARTIFACTS / "corrections-ru.png"), full_page=True)
        assert problems == []
