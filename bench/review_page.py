"""The lead's review page of one sitting of a 37-defendant trial, every question answered (bench/run.py).

Its own small instance: one trial of 37 defendants (35 present, as the generator marks two absent), two
sittings, every checklist question answered for everyone present, the first sitting submitted. The lead's
view of it is timed in one process, beside a bare route.
"""

import os
import tempfile
from pathlib import Path

from bench.generate import PASSWORD, generate


def bench_review_page(timed, spread) -> dict:
    """``timed(fn, repeat)`` and ``spread(samples)`` are bench/run.py's."""
    folder = Path(tempfile.mkdtemp(prefix="bench-review-"))
    generate(str(folder / "monitor.sqlite"), trials=1, defendants=37, hearings=2, witnesses=2, allegations=1,
             log=lambda _message: None)  # fmt: skip
    os.environ["MONITOR_INSTANCE_PATH"] = str(folder)
    from monitor import create_app
    from monitor.db import connect

    app = create_app()
    db = connect(str(folder / "monitor.sqlite"))
    hearing = next(db.query("SELECT id, uuid FROM hearing WHERE status = 'submitted' LIMIT 1"))
    answers = db["answer"].count_where("hearing_id = ?", [hearing["id"]])
    present = db["hearing_defendant"].count_where("hearing_id = ? AND present = 1", [hearing["id"]])
    db.close()
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf-token" content="')[1].split('"')[0]
    client.post("/login", data={"username": "bench.lead", "password": PASSWORD, "csrf_token": token})
    url = f"/hearings/{hearing['uuid']}"
    response = client.get(url)
    assert response.status_code == 200 and 'id="review"' in response.get_data(as_text=True)
    work = timed(lambda: client.get(url), 40)
    floor = timed(lambda: client.get("/healthz"), 40)
    return {"work": spread(work), "floor": spread(floor), "answers": answers, "present": present,
            "bytes": len(response.data)}  # fmt: skip
