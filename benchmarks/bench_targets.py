"""Every target of issue 13 in one run, one table: figure, target, PASS or MISS.

    python -m benchmarks targets [--scale 5000] [--requests 30] [--no-postgres] [--approvals 400]

Per database (SQLite in a temporary file, then PostgreSQL at BENCH_DATABASE_URL if it
answers): a database migrated from empty gets the demo data; the query counts of each
page are taken there (the small size), then ``seed-demo --scale N`` is added (the
envelope grows with it) and every page is timed with the Flask test client (whole WSGI
stack, no network): warm-up, then `--requests` timed requests, median and p95, as a
ratio to the login page of the same run. Then the budget PDF report against a bare
ReportLab table of the same rows, the CSV and XLSX exports at 50,000 and 200,000 rows
(each in its own process, for its peak memory), and approvals per second with 8
worker processes.
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import time
from dataclasses import dataclass

import sqlalchemy as sa

from dih4society.extensions import db

from ._budget_support import PASSWORD, fresh_app, machine, pg_reachable, sqlite_url, time_calls

PAGES = [  # (key, label, who, path)
    ("login", "login page", None, "/auth/login"),
    ("dashboard", "budget dashboard", "manager", "/budget/"),
    ("queue", "review queue, first page", "manager", "/applications/queue"),
    ("queue_filtered", "review queue, filtered", "manager", "/applications/queue?state=closed&kind=sme"),
    ("application", "one application page", "manager", "/applications/{app_id}"),
    ("partner", "partner budget page", "partner", "/budget/"),
]


@dataclass
class Row:
    measure: str
    figure: str
    target: str
    ok: bool | None  # None: not measured here

    @property
    def mark(self) -> str:
        return "n/a" if self.ok is None else ("PASS" if self.ok else "MISS")


def _count_queries(app, client, path: str) -> int:
    seen: list[int] = []

    def before(*_args):
        seen.append(1)

    with app.app_context():
        engine = db.engine
    client.get(path)  # warm (and fill the summary cache)
    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        client.get(path)
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
    return len(seen)


def _clients(app) -> dict:
    clients = {None: app.test_client()}
    for who in ("manager", "partner"):
        client = app.test_client()
        response = client.post("/auth/login", data={"email": f"{who}@dih4society.example", "password": PASSWORD})
        assert response.status_code == 302, f"the demo {who} could not log in"
        clients[who] = client
    return clients


def _paths(app) -> dict[str, str]:
    from dih4society.applications.models import Application, AppState

    with app.app_context():
        app_id = db.session.scalar(sa.select(Application.id).where(Application.state == AppState.CLOSED)
                                   .order_by(Application.id.desc()).limit(1))
        db.session.remove()
    return {key: path.format(app_id=app_id) for key, _l, _w, path in PAGES}


def pages(app, scale: int, n: int) -> tuple[list[Row], dict]:
    """Query counts at the demo size and at `scale`, then server times at `scale`."""
    from dih4society.applications.models import Application
    from dih4society.demo import seed as demo_seed
    from dih4society.demo import seed_scale

    with app.app_context():
        demo_seed(password=PASSWORD)
        db.session.remove()
    clients = _clients(app)
    paths = _paths(app)
    small = {key: _count_queries(app, clients[who], paths[key]) for key, _l, who, _p in PAGES}
    start = time.perf_counter()
    with app.app_context():
        seed_scale(scale, scale_envelope=True)
        seed_seconds = time.perf_counter() - start
        applications = db.session.scalar(sa.select(sa.func.count(Application.id)))
        db.session.remove()
    # The same pages (the same application) at both sizes.
    large = {key: _count_queries(app, clients[who], paths[key]) for key, _l, who, _p in PAGES}
    times = {}
    for key, _label, who, _path in PAGES:
        client = clients[who]
        assert client.get(paths[key]).status_code == 200, paths[key]
        times[key] = time_calls(lambda c=client, p=paths[key]: c.get(p), n=n, warmup=3)
    import statistics

    base = statistics.median(times["login"])
    rows = []
    for key, label, _who, _path in PAGES:
        samples = sorted(times[key])
        median = statistics.median(samples)
        p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
        ratio = median / base
        figure = f"{median:.1f} ms (p95 {p95:.1f}) = {ratio:.1f}× login"
        if key == "login":
            rows.append(Row(label, f"{median:.1f} ms (p95 {p95:.1f})", "the unit", None))
        else:
            rows.append(Row(label, figure, "≤ 3× login", ratio <= 3))
    same = all(small[k] == large[k] for k in small)
    rows.append(Row("queries per page (demo → scale)",
                    ", ".join(f"{k} {small[k]}→{large[k]}" for k in small), "constant", same))
    info = {"applications": applications, "seed_seconds": seed_seconds}
    return rows, info


def pdf_report(app) -> Row:
    """The budget report against a bare ReportLab table of the same rows, same run."""
    from dih4society.reports import documents, queries

    from .bench_reports import _best, _pages, _row_tuples, bare_pdf

    with app.app_context():
        rows = _row_tuples(list(queries.approved_rows()))
        db.session.rollback()
        report_s, content = _best(documents.budget_report, 2)
        bare_s, bare = _best(lambda: bare_pdf(rows), 2)
        db.session.remove()
    report_pps, bare_pps = _pages(content) / report_s, _pages(bare) / bare_s
    return Row(f"budget PDF report ({len(rows):,} rows listed)",
               f"{report_pps:.0f} p/s vs bare {bare_pps:.0f} p/s = {report_pps / bare_pps:.2f}×",
               "≥ 0.8× bare ReportLab", report_pps / bare_pps >= 0.8)


def exports(url: str, sizes: tuple[int, int] = (50_000, 200_000)) -> list[Row]:
    """CSV and XLSX at 50,000 and 200,000 rows, each in its own process."""
    out = []
    small_n, large_n = sizes
    for fmt, target in (("csv", 200_000), ("xlsx", 50_000)):
        results = {}
        for rows in sizes:
            done = subprocess.run([sys.executable, "-m", "benchmarks.export_probe", url, fmt, str(rows)],
                                  capture_output=True, text=True, check=True,
                                  cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
            n, seconds, _peak, growth = done.stdout.split()[-4:]
            results[rows] = (int(n) / float(seconds), int(growth) / 1024)
        speed, growth = results[large_n]
        flat = growth <= max(2 * results[small_n][1], 32)
        out.append(Row(f"{fmt.upper()} export, {large_n:,} rows, streamed",
                       f"{speed:,.0f} rows/s; memory growth {results[small_n][1]:.0f} MiB at {small_n:,}, "
                       f"{growth:.0f} MiB at {large_n:,}", f"≥ {target:,} rows/s, memory flat",
                       speed >= target and flat))
    return out


def approvals(url_for_run, workers: int, total: int, target: int, name: str) -> Row:
    """Approvals per second with `workers` processes over twelve accounts; 0 overspend."""
    import os as _os

    sys.path.insert(0, _os.path.join(_os.path.dirname(_os.path.dirname(_os.path.abspath(__file__))), "tests"))
    from dih4society.budget import services as budget

    from .bench_approvals import _approve_with_processes, _prepare

    url = url_for_run("approvals.sqlite")
    app = fresh_app(url, SQLALCHEMY_ENGINE_OPTIONS={"pool_size": workers + 2, "max_overflow": 0})
    admin_id, ids = _prepare(app, total, True)
    seconds, refused, errors = _approve_with_processes(url, admin_id, ids, workers)
    with app.app_context():
        ok = budget.verify().ok
        db.session.remove()
        db.engine.dispose()
    rate = (len(ids) - refused - errors) / seconds
    return Row(f"approvals/s, {workers} worker processes ({name})",
               f"{rate:.0f}/s, {errors} errors, verify {'OK' if ok else 'FAILED'}",
               f"≥ {target}/s, 0 overspend", rate >= target and ok and not errors)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks targets")
    parser.add_argument("--scale", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--approvals", type=int, default=400)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--quick", action="store_true", help="small sizes, to check that it runs")
    args, _unknown = parser.parse_known_args(argv)
    if args.quick:
        args.scale, args.requests, args.approvals = 100, 5, 40
    logging.disable(logging.INFO)
    print("machine:", ", ".join(f"{k} {v}" for k, v in machine().items()))
    url = os.environ.get("BENCH_DATABASE_URL", "")
    targets = [("SQLite", sqlite_url("targets.sqlite"), sqlite_url, 150)]
    reason = "--no-postgres" if args.no_postgres else (
        pg_reachable(url) if url else "set BENCH_DATABASE_URL to a database the benchmark may wipe")
    if reason is None:
        targets.append(("PostgreSQL", url, lambda _name: url, 300))
    else:
        print(f"note: PostgreSQL skipped ({reason})")
    table: list[tuple[str, Row]] = []
    for name, db_url, make_url, approvals_target in targets:
        app = fresh_app(db_url)
        rows, info = pages(app, args.scale, args.requests)
        print(f"{name}: seed-demo --scale {args.scale}: {info['applications']:,} applications, "
              f"seeded in {info['seed_seconds']:.0f} s", flush=True)
        table += [(name, r) for r in rows]
        table.append((name, pdf_report(app)))
        table += [(name, r) for r in exports(db_url, (2_000, 8_000) if args.quick else (50_000, 200_000))]
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if name == "SQLite":
            table.append((name, Row(f"seed-demo --scale {args.scale}", f"{info['seed_seconds']:.0f} s",
                                    "< 3 min at --scale 50000 (not run here)", None)))
        table.append((name, approvals(make_url, 8, args.approvals, approvals_target, name)))
    table.append(("both", Row("dashboard from 20k to 200k applications", "not run (--scale 50000)",
                              "within 20 %", None)))
    width = max(len(r.measure) for _n, r in table)
    fig = max(len(r.figure) for _n, r in table)
    tgt = max(len(r.target) for _n, r in table)
    print(f"\n{'database':<10} {'measure':<{width}}  {'figure':<{fig}}  {'target':<{tgt}}  result")
    for name, r in table:
        print(f"{name:<10} {r.measure:<{width}}  {r.figure:<{fig}}  {r.target:<{tgt}}  {r.mark}")
