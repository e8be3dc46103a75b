"""The mission report's annex of legal standards: every reference the checklists cite is grouped under an
instrument the annex names in full, and a regional standard cited as persuasive says so."""

import pytest

from monitor import checklists
from monitor.reports.render.mission import standards_table


@pytest.mark.parametrize("version", [1, 2])
def test_every_reference_of_the_checklists_has_its_instrument_named(app, version):
    checklist = checklists.get("fair_trial", version)
    refs = sorted({ref for item in checklist.items for ref in item.refs})
    with app.test_request_context():
        table = standards_table(refs)
    unnamed = [row[0] for row in table.rows if not row[1]]
    assert unnamed == [], f"no instrument named for {unnamed}"
    assert not any(row[0].startswith("persuasive") for row in table.rows)


def test_a_persuasive_reference_joins_its_instrument_and_says_it_is_persuasive(app):
    refs = [
        "ICCPR 14(1)",
        "persuasive: ECtHR Doorson v. Netherlands (1996)",
        "HRC Dugin v. Russian Federation (815/1998)",
    ]
    with app.test_request_context():
        rows = {row[0]: row[1:] for row in standards_table(refs).rows}
    assert rows["ECtHR"] == [
        "European Court of Human Rights, judgments — persuasive, not binding on this State",
        "Doorson v. Netherlands (1996)",
    ]
    assert rows["HRC"][1] == "Dugin v. Russian Federation (815/1998)"
    assert "persuasive" not in rows["ICCPR"][0] and rows["ICCPR"][1] == "14(1)"
