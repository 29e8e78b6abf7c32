"""Benchmark: server time of the Impact section (DMA T0→T1, bands, satisfaction) beside the dashboard's.

At ``seed-demo --scale N`` (default 5000 organisations: about 4,200 T0 and 1,000 T1
assessments, scored by the real scoring code) in a database migrated from empty, a
logged-in manager; 3 warm-up requests, then N timed ones (median and p95), against
``/healthz`` of the same app. Rows: the budget dashboard (which includes the Impact
section), the Impact page alone, and the Impact figures alone (`impact_data`, no
template, no chart).

    python -m benchmarks impact [--scale 5000] [--requests 30] [--quick] [--no-postgres]
"""

from __future__ import annotations

import time

from dih4society.extensions import db

from ._budget_support import PASSWORD, Timing, fresh_app, machine, pg_reachable, pg_url, sqlite_url, time_calls
from .bench_pages import _count_queries, seed

PAGES = [("/healthz", "trivial page (/healthz)"), ("/budget/", "budget dashboard (with Impact)"),
         ("/assessments/impact", "Impact page alone")]


def run(url: str, scale: int, n: int, warmup: int) -> tuple[dict, list[Timing]]:
    from dih4society.assessments.impact import impact_data

    app = fresh_app(url)
    sizes = seed(app, scale)
    client = app.test_client()
    response = client.post("/auth/login", data={"email": "manager@dih4society.example", "password": PASSWORD})
    assert response.status_code == 302, "the demo manager could not log in"
    timings = []
    for path, label in PAGES:
        assert client.get(path).status_code == 200, path
        samples = time_calls(lambda p=path: client.get(p), n=n, warmup=warmup)
        timings.append(Timing(label, samples, _count_queries(app, client, path)))
    with app.app_context():
        data = impact_data()
        sizes["t0"], sizes["t1"], sizes["pairs"] = data.t0_orgs, data.t1_orgs, data.pairs
        start = time.perf_counter()
        samples = time_calls(impact_data, n=n, warmup=warmup)
        timings.append(Timing("Impact figures only (impact_data)", samples, 3))
        db.session.remove()
        db.engine.dispose()
    sizes["measured_in"] = round(time.perf_counter() - start, 1)
    return sizes, timings


def main(argv: list[str]) -> None:
    import argparse
    import logging

    parser = argparse.ArgumentParser(prog="python -m benchmarks impact")
    parser.add_argument("--scale", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--quick", action="store_true", help="small sizes, to check that it runs")
    parser.add_argument("--no-postgres", action="store_true")
    args, _unknown = parser.parse_known_args(argv)
    if args.quick:
        args.scale, args.requests = 100, 5
    logging.disable(logging.INFO)
    print("machine:", ", ".join(f"{k} {v}" for k, v in machine().items()))
    targets = [("SQLite", sqlite_url("impact.sqlite"))]
    url = pg_url()
    reason = "--no-postgres" if args.no_postgres else pg_reachable(url)
    if reason is None:
        targets.append(("PostgreSQL", url))
    else:
        print(f"note: PostgreSQL skipped ({reason})")
    for name, target in targets:
        sizes, timings = run(target, args.scale, args.requests, warmup=3)
        print(f"\n{name}, seed-demo --scale {args.scale}: {sizes['applications']} applications; organisations "
              f"assessed T0 {sizes['t0']}, T1 {sizes['t1']}, both {sizes['pairs']}")
        base = timings[0].median
        print(f"{'page':<40} {'median ms':>10} {'p95 ms':>8} {'x healthz':>10} {'queries':>8}")
        for t in timings:
            print(f"{t.label:<40} {t.median:>10.2f} {t.p95:>8.2f} {t.median / base:>10.1f} {t.queries:>8}")
