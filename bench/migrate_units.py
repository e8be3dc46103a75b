"""Migrate a v1 database to the new units (m010–m013) and account for every answer, observation and witness.

    .venv/bin/python bench/migrate_units.py --database /tmp/v1.sqlite [--size 0.1]
    .venv/bin/python bench/migrate_units.py --database /tmp/copy.sqlite --from /tmp/v1-made-before.sqlite

Without ``--from`` it generates the v1 database first (``bench/generate.py --shape v1``: the schema before
``m010_sittings``, checklist fair_trial v1, at ``--size`` of the full mission; ``--keep`` keeps a copy of it
as ``<database>.v1`` for another run). Then it applies each pending step in turn, timing each, prints the
counts before and after and checks that:

- every answer is still there, unchanged (the same rows: a SHA-256 over every answer's uuid, observation,
  subject, item, value, note and provenance, before and after);
- every observation (``hearing``) is in exactly one sitting, and the sittings are the (trial, date) groups;
- every per-observation witness row became an appearance with its uuid, of one person; every answer about a
  witness still names an appearance;
- every answer to a case item (v2 keeps it in the case file) is a history entry of its defendant's case
  fact (``case_fact_history.answer_uuid``), or was blank and stays only an answer;
- the audit chain verifies (``audit-verify``), and only grew.

Exit status 1 if any check fails. ``--json`` writes the figures; ``--doc docs/benchmarks.md --label full``
writes (or replaces) that run's row and counts in the section "Migration to the new units" there, which
``make bench`` keeps as it is.
"""

import argparse
import hashlib
import json
import os
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from bench import generate  # noqa: E402
from monitor import anchors, audit  # noqa: E402
from monitor.checklists.units import case_keys  # noqa: E402
from monitor.db import connect  # noqa: E402
from monitor.migrations import migrations  # noqa: E402

FIRST = "m010_sittings"
STEPS = ("m010_sittings", "m011_reconciliation", "m012_case_file", "m013_witness_persons")


def answers_digest(db) -> str:
    digest = hashlib.sha256()
    rows = db.conn.execute(
        "SELECT uuid, hearing_id, subject_uuid, item_key, value, note, provenance FROM answer ORDER BY uuid"
    )
    for row in rows:
        digest.update("\x1f".join(map(str, row)).encode())
        digest.update(b"\x1e")
    return digest.hexdigest()


def scalar(db, sql: str, params=()) -> int:
    return db.conn.execute(sql, params).fetchone()[0]


# An answer about a defendant of its observation's trial (as m012 reads them).
OF_DEFENDANT = (
    "JOIN defendant ON defendant.uuid = answer.subject_uuid AND defendant.trial_id = hearing.trial_id"
)


def case_clause() -> tuple[str, list[str]]:
    keys = sorted(case_keys())
    return f"item_key IN ({','.join('?' * len(keys))})", keys


def before_counts(db) -> dict:
    """What a v1 database holds, in the units the migration moves."""
    where, keys = case_clause()
    said = "(value != '' OR note != '')"
    witness_uuids = "SELECT uuid FROM witness"
    return {
        "answers": scalar(db, "SELECT count(*) FROM answer"),
        "answers_digest": answers_digest(db),
        "observations": scalar(db, "SELECT count(*) FROM hearing"),
        "trial_dates": scalar(
            db, "SELECT count(*) FROM (SELECT DISTINCT trial_id, hearing_date FROM hearing)"
        ),
        "witness_rows": scalar(db, "SELECT count(*) FROM witness"),
        "witness_uuids": scalar(db, "SELECT count(DISTINCT uuid) FROM witness"),
        "witness_answers": scalar(db, f"SELECT count(*) FROM answer WHERE subject_uuid IN ({witness_uuids})"),  # noqa: S608
        "case_answers": scalar(
            db,
            f"SELECT count(*) FROM answer JOIN hearing ON hearing.id = answer.hearing_id {OF_DEFENDANT} "  # noqa: S608
            f"WHERE {where}",
            keys,
        ),
        "case_answers_said": scalar(
            db,
            f"SELECT count(*) FROM answer JOIN hearing ON hearing.id = answer.hearing_id {OF_DEFENDANT} "  # noqa: S608
            f"WHERE {where} AND {said}",
            keys,
        ),
        "case_pairs": scalar(
            db,
            f"SELECT count(*) FROM (SELECT DISTINCT subject_uuid, item_key FROM answer "  # noqa: S608
            f"WHERE {where} AND {said} AND subject_uuid IN (SELECT uuid FROM defendant))",
            keys,
        ),
        "allegations": scalar(db, "SELECT count(*) FROM allegation"),
        "notes": scalar(db, "SELECT count(*) FROM note"),
        "audit_rows": scalar(db, "SELECT count(*) FROM audit"),
    }


def after_counts(db) -> dict:
    where, keys = case_clause()
    return {
        "answers": scalar(db, "SELECT count(*) FROM answer"),
        "answers_digest": answers_digest(db),
        "observations": scalar(db, "SELECT count(*) FROM hearing"),
        "observations_in_a_sitting": scalar(
            db, "SELECT count(*) FROM hearing JOIN sitting ON sitting.id = hearing.sitting_id"
        ),
        "sittings": scalar(db, "SELECT count(*) FROM sitting"),
        "sittings_observed_twice": scalar(
            db,
            "SELECT count(*) FROM (SELECT sitting_id FROM hearing GROUP BY sitting_id HAVING count(*) > 1)",
        ),
        "persons": scalar(db, "SELECT count(*) FROM witness"),
        "persons_flagged": scalar(db, "SELECT count(*) FROM witness WHERE review != ''"),
        "appearances": scalar(db, "SELECT count(*) FROM witness_appearance"),
        "appearances_of_a_person": scalar(
            db,
            "SELECT count(*) FROM witness_appearance "
            "JOIN witness ON witness.id = witness_appearance.witness_id",
        ),
        "witness_answers": scalar(
            db,
            "SELECT count(*) FROM answer WHERE subject_uuid IN (SELECT uuid FROM witness_appearance)",
        ),
        "case_facts": scalar(db, "SELECT count(*) FROM case_fact"),
        "case_facts_current": scalar(db, "SELECT count(*) FROM case_fact WHERE value != '' OR note != ''"),
        "case_history": scalar(db, "SELECT count(*) FROM case_fact_history"),
        "case_answers_in_history": scalar(
            db,
            f"SELECT count(*) FROM answer WHERE {where} "  # noqa: S608
            "AND uuid IN (SELECT answer_uuid FROM case_fact_history)",
            keys,
        ),
        "allegations": scalar(db, "SELECT count(*) FROM allegation"),
        "notes": scalar(db, "SELECT count(*) FROM note"),
        "audit_rows": scalar(db, "SELECT count(*) FROM audit"),
    }


def accounted(before: dict, after: dict) -> list[tuple[str, bool]]:
    """Each claim of the migration, and whether the counts bear it out."""
    return [
        (
            f"every answer still there, unchanged: {before['answers']:,} before, {after['answers']:,} after, "
            "same SHA-256 over all of them",
            before["answers"] == after["answers"] and before["answers_digest"] == after["answers_digest"],
        ),
        (
            f"{before['observations']:,} hearings became {after['observations']:,} observations of "
            f"{after['sittings']:,} sittings (one per trial and date: {before['trial_dates']:,}; "
            f"{after['sittings_observed_twice']:,} observed twice); each observation in one sitting",
            after["observations"] == after["observations_in_a_sitting"] == before["observations"]
            and after["sittings"] == before["trial_dates"],
        ),
        (
            f"{before['witness_rows']:,} witness rows became {after['appearances']:,} appearances of "
            f"{after['persons']:,} persons ({after['persons_flagged']:,} flagged for a lead); the "
            f"{before['witness_answers']:,} answers about a witness all name an appearance",
            before["witness_rows"] == after["appearances"] == after["appearances_of_a_person"]
            and before["witness_answers"] == after["witness_answers"],
        ),
        (
            f"{before['case_answers']:,} answers to case items: {after['case_answers_in_history']:,} are "
            f"history entries of {after['case_facts']:,} case facts ({after['case_facts_current']:,} with a "
            f"current value), {before['case_answers'] - before['case_answers_said']:,} blank ones stay "
            "answers only",
            after["case_answers_in_history"] == after["case_history"] == before["case_answers_said"]
            and after["case_facts"] == before["case_pairs"],
        ),
        (
            f"allegations {before['allegations']:,} → {after['allegations']:,}, notes {before['notes']:,} → "
            f"{after['notes']:,}",
            before["allegations"] == after["allegations"] and before["notes"] == after["notes"],
        ),
    ]


def migrate(path: str, log=print) -> dict:
    """Apply each pending step to ``path`` in turn (timed); the counts, checks and times."""
    db = connect(path)
    db.enable_wal()
    pending = [m.name for m in migrations.pending(db)]
    if FIRST not in pending:
        raise SystemExit(f"{path} is not a v1 database: {FIRST} is already applied")
    before = before_counts(db)
    audit_ok_before = audit.verify(db).ok
    # the head of the v1 log, anchored beside the database as `audit-anchor` does: audit-verify then
    # checks that the migrated log still holds it (appended to, never rewritten)
    anchor_path = anchors.path_for(path)
    anchored = anchors.write(db, anchor_path, "before migrating to the new units")
    times = {}
    for n, name in enumerate(pending):
        started = time.perf_counter()
        migrations.apply(db, stop_before=pending[n + 1 :])
        times[name] = time.perf_counter() - started
        log(f"{name}: {times[name]:.1f} s")
    after = after_counts(db)
    verified = audit.verify(db)  # what `audit-verify` checks: the chain, and every anchor in the file
    held = anchors.check_file(db, anchor_path)
    db.close()
    checks = accounted(before, after)
    checks.append(
        (
            f"audit-verify: the chain intact ({before['audit_rows']:,} entries before, {verified.rows:,} "
            f"after) and it still holds the anchor of the v1 log taken before the first step",
            audit_ok_before
            and verified.ok
            and verified.rows >= before["audit_rows"]
            and anchored is not None
            and held.ok
            and held.checked >= 1,
        )
    )
    return {"before": before, "after": after, "times": times, "checks": checks}


def report(result: dict, out=print) -> bool:
    before, after = result["before"], result["after"]
    out("before (v1):")
    generate.print_rows({k: v for k, v in before.items() if k != "answers_digest"}, out)
    out("after (the new units):")
    generate.print_rows({k: v for k, v in after.items() if k != "answers_digest"}, out)
    out(f"steps: {', '.join(f'{k} {v:.1f} s' for k, v in result['times'].items())}; "
        f"total {sum(result['times'].values()):.1f} s")  # fmt: skip
    for text, ok in result["checks"]:
        out(f"  [{'ok' if ok else 'FAILED'}] {text}")
    return all(ok for _text, ok in result["checks"])


SECTION = "## Migration to the new units"
INTRO = (
    "Written by `bench/migrate_units.py --doc` (not by `make bench`, which keeps this section): each row is "
    "one run on a v1 database made by `bench/generate.py --shape v1` (seed 1: the schema before "
    "`m010_sittings`, checklist fair_trial v1, a pair of observers at 15 % of the sittings), migrated by "
    "applying each pending step in turn on the shared 2-core machine. Every check below is made on the "
    "migrated file; the demo as the v1 release loaded it is checked the same way in "
    "tests/test_migrate_units.py. For comparison: m012 alone was measured at 169 s on 3,202,020 answers "
    "(one observer per sitting) at a lighter load, before this benchmark existed (docs/units.md)."
)
HEADER = (
    "| size | v1 database | "
    + " | ".join(STEPS)
    + " | all steps | every answer accounted for | audit-verify | run on |"
)


def doc_row(label: str, figures: dict) -> tuple[str, str]:
    """This run's table row and its line of counts."""
    before, after, times = figures["before"], figures["after"], figures["times"]
    made = figures.get("made") or {}
    ok = all(c["ok"] for c in figures["checks"][:-1])
    audit_ok = figures["checks"][-1]["ok"]
    database = (
        f"{made.get('sittings', before['trial_dates']):,} sittings, {before['observations']:,} hearings, "
        f"{made.get('defendants', '?')} defendants, {before['answers']:,} answers, "
        f"{before['witness_rows']:,} witness rows; "
    )
    if figures.get("size_bytes_before"):
        database += f"{figures['size_bytes_before'] / 1e9:.2f} GB, {figures['size_bytes'] / 1e9:.2f} GB after"
    else:
        database += f"{figures['size_bytes'] / 1e9:.2f} GB after"
    if made.get("generated_seconds"):
        database += f", generated in {made['generated_seconds']:.0f} s"
    row = (
        f"| {label} | {database} | "
        + " | ".join(f"{times.get(step, 0):.1f} s" for step in STEPS)
        + f" | {sum(times.values()):.1f} s | {'yes' if ok else '**no**'} | "
        f"{'intact' if audit_ok else '**broken**'} ({before['audit_rows']:,} → {after['audit_rows']:,} "
        f"entries) | {figures['date']}, load average {figures['load']:.1f} |"
    )
    counts = f"- **{label}**: " + "; ".join(c["text"] for c in figures["checks"]) + "."
    return row, counts


def write_doc(path: str, label: str, figures: dict) -> None:
    """Put this run's row and counts into the section, keeping the other sizes' rows."""
    lines = Path(path).read_text().splitlines() if os.path.exists(path) else []
    rows, counts = {}, {}
    if SECTION in lines:
        start = lines.index(SECTION)
        end = next((n for n in range(start + 1, len(lines)) if lines[n].startswith("## ")), len(lines))
        for line in lines[start:end]:
            if line.startswith("| ") and not line.startswith(("| size", "|---")):
                rows[line.split(" | ")[0][2:]] = line
            elif line.startswith("- **"):
                counts[line[4:].split("**")[0]] = line
        del lines[start:end]
        while lines and not lines[-1].strip():
            lines.pop()
    rows[label], counts[label] = doc_row(label, figures)
    section = [
        SECTION,
        "",
        INTRO,
        "",
        HEADER,
        "|" + "---|" * (len(STEPS) + 6),
        *rows.values(),
        "",
        "Counts before and after, as checked:",
        "",
        *counts.values(),
    ]
    lines += ["", *section]
    Path(path).write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="the file to migrate (made or copied first)")
    parser.add_argument("--from", dest="source", help="copy this v1 database instead of generating one")
    parser.add_argument("--size", type=float, default=0.1, help="fraction of generate.py's full size")
    parser.add_argument("--keep", action="store_true", help="keep the generated v1 file as <database>.v1")
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument("--doc", help="write this run's row into this Markdown file (docs/benchmarks.md)")
    parser.add_argument("--label", help="the row's label in --doc (default: the size, e.g. 'full')")
    args = parser.parse_args()
    for name in [args.database + s for s in ("", "-wal", "-shm")] + [anchors.path_for(args.database)]:
        if os.path.exists(name):
            os.remove(name)
    made = None
    if args.source:
        shutil.copyfile(args.source, args.database)
    else:
        size = args.size
        started = time.perf_counter()
        made = generate.generate(
            args.database,
            shape="v1",
            trials=max(2, round(20 * size)),
            defendants=round(400 * size),
            sittings=round(4000 * size),
            witnesses=round(2000 * size),
            allegations=round(600 * size),
            log=lambda message: print("  generate:", message, flush=True),
        )
        made["generated_seconds"] = time.perf_counter() - started
        print(f"v1 data generated in {made['generated_seconds']:.1f} s", flush=True)
        if args.keep:
            db = connect(args.database)
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            db.close()
            shutil.copyfile(args.database, args.database + ".v1")
    size_before = os.path.getsize(args.database)
    result = migrate(args.database)
    ok = report(result)
    figures = {
        "made": made,
        "source": args.source,
        "size_bytes": os.path.getsize(args.database),
        "size_bytes_before": size_before,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load": os.getloadavg()[0],
        **{k: v for k, v in result.items() if k != "checks"},
        "checks": [{"text": t, "ok": o} for t, o in result["checks"]],
    }
    if args.json:
        with open(args.json, "w") as f:
            json.dump(figures, f, indent=1, default=str)
    if args.doc:
        label = args.label or ("full" if args.size == 1 else f"{args.size:g} of full")
        write_doc(args.doc, label, figures)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
