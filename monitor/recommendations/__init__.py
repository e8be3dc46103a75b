"""Recommendations to a state and the mission's assessment of them (issue #14).

``records`` (the register: recommendations, assessments, linked evidence, official statistics, a
mission's country), ``importer`` (a CSV file in the column layout of the public UPR databases),
``links`` (a linked findings number, live or frozen, and what every link points at), ``routes`` and
``forms`` (the pages), ``cli`` (``import-recommendations``). The submission built from them is
monitor/reports/render/submission.py.
"""
