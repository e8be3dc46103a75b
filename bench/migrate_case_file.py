"""Time m012_case_file on a v1 database: build one with every step before m012, fill it with
``generate.py`` (through the app's own data functions), then apply m012 and check nothing was lost.

    .venv/bin/python bench/migrate_case_file.py --database /tmp/v1.sqlite [--size 0.1]

``--size 1`` is generate.py's full size (4,000 observations, 400 defendants; about 16 minutes to generate
and 3 GB on disk). Prints the counts m012 prints, the time it took and whether the audit chain verifies.
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import generate  # noqa: E402

from monitor import audit  # noqa: E402
from monitor.db import connect, init_db  # noqa: E402
from monitor.migrations import migrations  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="file to create (removed first if it exists)")
    parser.add_argument("--size", type=float, default=0.1, help="fraction of generate.py's full size")
    args = parser.parse_args()
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(args.database + suffix):
            os.remove(args.database + suffix)
    db = connect(args.database)
    db.enable_wal()
    migrations.apply(db, stop_before="m012_case_file")
    db.close()
    generate.init_db = lambda _path: []  # keep the schema as it stood before m012
    size = args.size
    started = time.perf_counter()
    generate.generate(
        args.database,
        trials=max(2, int(20 * size)),
        defendants=int(400 * size),
        hearings=int(4000 * size),
        witnesses=int(2000 * size),
        allegations=int(600 * size),
        log=lambda *_a: None,
    )
    print(f"v1 data generated in {time.perf_counter() - started:.1f} s")
    db = connect(args.database)
    before = db.execute("SELECT count(*) FROM answer").fetchone()[0]
    db.close()
    started = time.perf_counter()
    applied = init_db(args.database)
    took = time.perf_counter() - started
    db = connect(args.database)
    after = db.execute("SELECT count(*) FROM answer").fetchone()[0]
    print(f"{', '.join(applied)} applied in {took:.1f} s; answers before {before}, after {after}")
    print(f"case facts {db['case_fact'].count}, history {db['case_fact_history'].count}")
    print(f"audit chain verifies: {audit.verify(db).ok}")
    db.close()


if __name__ == "__main__":
    main()
