"""The defendant × right matrix in Chromium at 1366×768: numbered columns with the question on hover and in a
list, cells that say concern or none in words, in English and Russian."""

import re

import pytest
from playwright.sync_api import expect

from monitor import checklists
from monitor.findings.routes import question_numbers
from monitor.reports.render.findings import question_numbers as report_numbers
from tests.browser import demo_page
from tests.test_browser import ARTIFACTS

pytestmark = pytest.mark.browser


def test_the_matrix_numbers_its_questions_as_the_pdf_does():
    checklist = checklists.get("fair_trial")
    assert question_numbers(checklist) == report_numbers(checklist)


def test_the_matrix_is_readable_and_says_what_its_cells_mean(app, db):
    checklist = checklists.get("fair_trial")
    items = checklist.items_for("defendant")
    numbers = question_numbers(checklist)
    ARTIFACTS.mkdir(exist_ok=True)
    with demo_page(app) as (page, problems):
        mission = next(db.query("SELECT uuid FROM mission"))["uuid"]
        page.goto(f"/missions/{mission}/findings/matrix")

        # Column heads: the question's number, whole, the question itself on hover and in the list below.
        # A question answered for no defendant has no column (a column of empty cells), but is listed.
        heads = page.locator("#matrix thead th.item button")
        shown = [int(text) for text in heads.all_inner_texts()]
        assert 0 < len(shown) <= len(items)
        by_number = {numbers[item.key]: item for item in items}
        for n, number in enumerate(shown[:5]):
            head = heads.nth(n)
            assert head.get_attribute("title").startswith(f"{number}. {by_number[number].label.en}")
            assert head.evaluate("b => b.scrollWidth <= b.clientWidth")  # nothing cut off
        for n in range(len(shown)):  # every column has at least one observed cell
            column = page.locator(f"#matrix tbody tr td:nth-child({n + 3})")
            assert column.evaluate_all("cells => cells.some(c => !c.classList.contains('none'))")
        assert page.locator("#matrix thead tr").bounding_box()["height"] < 60  # no tall rotated questions
        listed = page.locator("#questions li")
        expect(listed).to_have_count(len(items))
        first = listed.first
        assert first.get_attribute("value") == str(numbers[items[0].key])
        expect(first).to_contain_text(items[0].label.en)
        left_out = len(items) - len(shown)
        expect(page.locator("#questions li.muted")).to_have_count(left_out)
        if left_out:
            expect(page.locator(".matrix-legend")).to_contain_text("answered for no defendant here")

        # Cells: concerns of observations ("1/2": a concern at 1 of the 2 sittings observed), "!" for a
        # concern in the case file (the demo is on v2: case facts are columns too), "–" for none; each
        # says so in words.
        cells = page.locator("#matrix td.cell.concern a")
        said = cells.evaluate_all("links => links.map(a => [a.textContent.trim(), a.title])")
        for text, title in said:
            if text == "!":
                assert title.endswith("a concern, from the case file"), title
            else:
                concerns, observed = map(int, re.fullmatch(r"(\d+)/(\d+)", text).groups())
                assert 1 <= concerns <= observed, text
                unit = "sitting" if observed == 1 else "sittings"
                assert title.endswith(f"a concern at {concerns} of {observed} {unit} observed"), title
        assert {text == "!" for text, _title in said} == {True, False}, "both kinds of concern cell"
        fine = page.locator("#matrix td.cell.fine a").first
        expect(fine).to_have_text("–")
        assert re.search(
            r"no concern; observed at \d+ sittings?$|no concern, from the case file$",
            fine.get_attribute("title"),
        )
        legend = page.locator(".matrix-legend")
        expect(legend).to_contain_text("A concern was recorded for this defendant on this question")
        expect(legend).not_to_contain_text("number of sittings where the question was answered")

        # Sorting by a question's number still works: concerns first.
        heads.first.click()
        values = page.locator("#matrix tbody tr td:nth-child(3)").evaluate_all(
            "cells => cells.map(c => Number(c.dataset.value || 0))"
        )
        assert values == sorted(values, reverse=True)
        page.screenshot(path=str(ARTIFACTS / "matrix-en.png"))
        page.locator("#questions").screenshot(path=str(ARTIFACTS / "matrix-questions-en.png"))

        # In Russian: the legend and the cells' words, the number of sittings in its plural form.
        page.goto("/")
        page.get_by_role("button", name="RU").click()
        expect(page.locator("html")).to_have_attribute("lang", "ru")  # the switch has landed
        page.goto(f"/missions/{mission}/findings/matrix")
        expect(page.locator(".matrix-legend")).to_contain_text("зафиксировано нарушение")
        titles = page.locator("#matrix td.cell.concern a").evaluate_all("links => links.map(a => a.title)")
        assert any(t.endswith("нарушение, по досье по делу") for t in titles)
        title = next(t for t in titles if "где это наблюдалось" in t)  # a sitting's answer
        sittings, word = re.search(r"нарушение на \d+ из (\d+) (\w+), где это наблюдалось$", title).groups()
        one = int(sittings) % 10 == 1 and int(sittings) % 100 != 11
        assert word == ("заседания" if one else "заседаний"), title
        page.screenshot(path=str(ARTIFACTS / "matrix-ru.png"))
        assert problems == []
