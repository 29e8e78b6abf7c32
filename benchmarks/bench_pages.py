"""Benchmark: server time of the budget dashboard, the review queue and the aid register.

At ``seed-demo --scale N`` (default 5000 organisations, about 20,000 applications) in
a database migrated from empty, against ``/healthz`` of the same app in the same run,
as a ratio. The Flask test client drives the whole WSGI stack (routing, the login
gate, queries, templates) without a network: what is measured is the server's time.
A logged-in manager; 3 warm-up requests, then N timed ones (median and p95).

    python -m benchmarks pages [--scale 5000] [--requests 30] [--quick] [--no-postgres]

On SQLite (a temporary file), then on PostgreSQL if one answers at BENCH_DATABASE_URL
(else TEST_DATABASE_URL, else .ci/run's dih_test; its public schema is recreated).
"""

from __future__ import annotations

import time

import sqlalchemy as sa

from dih4society.extensions import db

from ._budget_support import PASSWORD, Timing, fresh_app, machine, pg_reachable, pg_url, sqlite_url, time_calls

PAGES = [
    ("/healthz", "trivial page (/healthz)"),
    ("/budget/", "budget dashboard"),
    ("/budget/aid", "aid register"),
]
QUEUE = "/applications/queue"


def seed(app, scale: int) -> dict[str, float | int]:
    """Demo data plus `scale` organisations with about four applications each."""
    from dih4society.applications.models import Application
    from dih4society.budget.models import LedgerEntry
    from dih4society.demo import seed as demo_seed

    start = time.perf_counter()
    with app.app_context():
        demo_seed(password=PASSWORD, scale=scale)
        counts = {
            "applications": db.session.scalar(sa.select(sa.func.count(Application.id))),
            "ledger_entries": db.session.scalar(sa.select(sa.func.count(LedgerEntry.id))),
        }
        db.session.remove()
    counts["seed_seconds"] = round(time.perf_counter() - start, 1)
    return counts


def _count_queries(app, client, path: str) -> int:
    seen = []

    def before(*_args):
        seen.append(1)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        client.get(path)
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
    return len(seen)


def run(url: str, scale: int, n: int, warmup: int) -> tuple[dict, list[Timing]]:
    app = fresh_app(url)
    sizes = seed(app, scale)
    client = app.test_client()
    response = client.post("/auth/login", data={"email": "manager@dih4society.example", "password": PASSWORD})
    assert response.status_code == 302, "the demo manager could not log in"
    paths = list(PAGES)
    if "applications.queue" in app.view_functions:
        paths.insert(2, (QUEUE, "review queue (applications.queue)"))
    else:  # the workflow's queue is not installed: the catalogue stands in for a list page
        paths.insert(2, ("/catalogue/", "catalogue (queue not installed)"))
    timings = []
    for path, label in paths:
        status = client.get(path).status_code
        assert status == 200, (path, status)
        samples = time_calls(lambda p=path: client.get(p), n=n * (4 if path == "/healthz" else 1), warmup=warmup)
        timings.append(Timing(label, samples, _count_queries(app, client, path)))
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return sizes, timings


def main(argv: list[str]) -> None:
    import argparse
    import logging

    parser = argparse.ArgumentParser(prog="python -m benchmarks pages")
    parser.add_argument("--scale", type=int, default=5000, help="organisations added by seed-demo --scale")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page (x4 for /healthz)")
    parser.add_argument("--quick", action="store_true", help="small sizes, to check that it runs")
    parser.add_argument("--no-postgres", action="store_true")
    args, _unknown = parser.parse_known_args(argv)
    if args.quick:
        args.scale, args.requests = 100, 5
    logging.disable(logging.INFO)
    print("machine:", ", ".join(f"{k} {v}" for k, v in machine().items()))
    targets = [("SQLite", sqlite_url("pages.sqlite"))]
    url = pg_url()
    reason = "--no-postgres" if args.no_postgres else pg_reachable(url)
    if reason is None:
        targets.append(("PostgreSQL", url))
    else:
        print(f"note: PostgreSQL skipped ({reason}); start it with `pg_ctlcluster 15 main start` and "
              "create the role and database as .ci/run does")
    for name, target in targets:
        sizes, timings = run(target, args.scale, args.requests, warmup=3)
        print(f"\n{name}, seed-demo --scale {args.scale}: {sizes['applications']} applications, "
              f"{sizes['ledger_entries']} ledger entries (seeded in {sizes['seed_seconds']} s)")
        base = timings[0].median
        print(f"{'page':<40} {'median ms':>10} {'p95 ms':>8} {'x healthz':>10} {'queries':>8}")
        for t in timings:
            print(f"{t.label:<40} {t.median:>10.2f} {t.p95:>8.2f} {t.median / base:>10.1f} {t.queries:>8}")
