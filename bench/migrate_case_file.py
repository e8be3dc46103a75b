"""Superseded by bench/migrate_units.py, which times m012_case_file among the other steps to the new units
(m010–m013) on a v1 database made by ``bench/generate.py --shape v1`` and accounts for every answer.

Kept so the command docs/units.md gives still runs (same options):

    .venv/bin/python bench/migrate_case_file.py --database /tmp/v1.sqlite [--size 0.1]
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.migrate_units import main  # noqa: E402

if __name__ == "__main__":
    main()
