"""The findings pages in Chromium: charts, matrix sorting, evidence links — no console errors."""

import pytest
from playwright.sync_api import expect

from tests.browser import demo_page
from tests.test_browser import ARTIFACTS

pytestmark = pytest.mark.browser


def test_findings_matrix_and_charts_render_and_work(app):
    ARTIFACTS.mkdir(exist_ok=True)
    with demo_page(app) as (page, problems):
        page.get_by_role("link", name="Demonstration mission (fictional)").first.click()
        page.get_by_role("link", name="Findings").click()
        expect(page.get_by_role("heading", name="Key findings")).to_be_visible()
        charts = page.locator("svg.chart")
        expect(charts).to_have_count(4)
        for n in range(4):
            box = charts.nth(n).bounding_box()
            assert box["width"] > 200 and box["height"] > 40
        page.screenshot(path=str(ARTIFACTS / "20-findings.png"), full_page=True)

        # A number opens the people behind it.
        page.locator(".key-findings a.count").first.click()
        expect(page.locator("h1")).not_to_have_text("Evidence")  # headed by what it counts, in words
        expect(page.locator("ol.evidence li").first).to_be_visible()
        page.go_back()

        page.get_by_role("link", name="Defendant × right matrix").click()
        rows = page.locator("#matrix tbody tr")
        expect(rows).to_have_count(12)
        page.locator("#matrix thead th[data-sort=total] button").click()
        totals = [int(rows.nth(n).get_attribute("data-total")) for n in range(12)]
        assert totals == sorted(totals, reverse=True)
        page.screenshot(path=str(ARTIFACTS / "21-matrix.png"))
        page.locator("#matrix td.cell a").first.click()
        expect(page.locator("ol.evidence > li")).to_have_count(1)

        page.goto(page.url.split("/findings")[0] + "/findings/compare?by=trial")
        expect(page.locator("table.compare thead th")).to_have_count(3)
        assert problems == []
