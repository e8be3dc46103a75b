"""The Russian findings page in Chromium reads correctly for a count in each plural form: 1 and 21 ("one"),
2 ("few"), 5 and 11 ("many") — the sentence a lead reads, not only the HTML."""

import pytest
from playwright.sync_api import expect

from tests.browser import chromium, live_server, sign_in
from tests.test_browser import ARTIFACTS
from tests.test_plurals import FINDING, RUSSIAN, world

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("count", [1, 2, 5, 21, 11])
def test_the_russian_findings_read_correctly_in_the_browser(app, count):
    setup = world(app, count=count, total=37)
    ARTIFACTS.mkdir(exist_ok=True)
    with live_server(app) as base_url, chromium() as browser:
        page = browser.new_page(base_url=base_url, viewport={"width": 1366, "height": 768})
        sign_in(page, "lena")
        page.get_by_role("button", name="RU").click()
        expect(page.locator("html")).to_have_attribute("lang", "ru")  # the switch has landed
        page.goto(f"/missions/{setup['mission']['uuid']}/findings")
        sentence, custody = RUSSIAN[count]
        expect(page.locator("#stage-arrest ul.sentences li").first).to_contain_text(sentence)
        expect(page.locator(".key-findings")).to_contain_text(custody)
        if count % 10 == 1 and count != 11:  # the "one" form: the finding in a relative clause
            expect(page.locator("#stage-arrest")).not_to_contain_text(f"из 37 подсудимых {FINDING['ru']}")
        page.locator(".key-findings").screenshot(path=str(ARTIFACTS / f"plurals-ru-{count}.png"))
