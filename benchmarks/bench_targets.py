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
import statistics
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
    ("impact", "Impact page (DMA T0/T1, satisfaction)", "manager", "/assessments/impact"),
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


def _time_pages(app, clients, paths, n: int) -> dict[str, list[float]]:
    times = {}
    for key, _label, who, _path in PAGES:
        client = clients[who]
        assert client.get(paths[key]).status_code == 200, paths[key]
        times[key] = time_calls(lambda c=client, p=paths[key]: c.get(p), n=n, warmup=3)
    return times


def _median_p95(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _seed_to(app, scale: int) -> tuple[int, float]:
    from dih4society.applications.models import Application
    from dih4society.demo import seed_scale

    start = time.perf_counter()
    with app.app_context():
        seed_scale(scale, scale_envelope=True)
        seconds = time.perf_counter() - start
        applications = db.session.scalar(sa.select(sa.func.count(Application.id)))
        db.session.remove()
    return applications, seconds


def pages(app, scales: list[int], n: int, at_each=None) -> tuple[list[Row], dict]:
    """Query counts at the demo size and at each scale; server times at each scale, as
    ratios to the login page of the same moment; growth from the first scale to the last.
    `at_each()` runs at each size after the pages (the PDF report)."""
    from dih4society.demo import seed as demo_seed

    with app.app_context():
        demo_seed(password=PASSWORD)
        db.session.remove()
    clients = _clients(app)
    paths = _paths(app)  # the same pages (the same application) at every size
    counts = {"demo": {key: _count_queries(app, clients[who], paths[key]) for key, _l, who, _p in PAGES}}
    medians: dict[int, dict[str, float]] = {}
    rows: list[Row] = []
    info: dict = {"applications": {}, "seed_seconds": {}}
    for scale in scales:
        applications, seconds = _seed_to(app, scale)
        info["applications"][scale], info["seed_seconds"][scale] = applications, seconds
        counts[scale] = {key: _count_queries(app, clients[who], paths[key]) for key, _l, who, _p in PAGES}
        times = _time_pages(app, clients, paths, n)
        if at_each is not None:
            at_each()
        base, _p = _median_p95(times["login"])
        medians[scale] = {}
        for key, label, _who, _path in PAGES:
            median, p95 = _median_p95(times[key])
            medians[scale][key] = median
            at = f"{applications:,} applications"
            if key == "login":
                rows.append(Row(f"{label}, {at}", f"{median:.1f} ms (p95 {p95:.1f})", "the unit", None))
            else:
                ratio = median / base
                rows.append(Row(f"{label}, {at}", f"{median:.1f} ms (p95 {p95:.1f}) = {ratio:.1f}× login",
                                "≤ 3× login", ratio <= 3))
    sizes = ["demo", *scales]
    rows.append(Row("queries per page (demo → " + " → ".join(f"{info['applications'][s]:,}" for s in scales) + ")",
                    ", ".join(f"{k} " + "→".join(str(counts[z][k]) for z in sizes) for k in counts["demo"]),
                    "constant", all(counts[z] == counts["demo"] for z in sizes)))
    if len(scales) > 1:
        first, last = scales[0], scales[-1]
        for key, label, _who, _path in PAGES[1:]:
            # Growth of the page's ratio to the login page (both measured at the same moment).
            before = medians[first][key] / medians[first]["login"]
            after = medians[last][key] / medians[last]["login"]
            growth = after / before - 1
            rows.append(Row(f"{label}: from {info['applications'][first]:,} to {info['applications'][last]:,}",
                            f"{before:.1f}× → {after:.1f}× login ({growth:+.0%})", "within 20 %",
                            abs(growth) <= 0.20))
    return rows, info


def seed_command(scale: int) -> Row:
    """`flask --app wsgi seed-demo --scale N` as a user types it, on a SQLite file migrated
    by `flask db upgrade`, in its own process; the seed command alone is timed."""
    import tempfile

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    flask = os.path.join(os.path.dirname(sys.executable), "flask")
    with tempfile.TemporaryDirectory(prefix="dih-seed-") as tmp:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp}/seed.sqlite", "APP_CONFIG": "development",
               "UPLOAD_DIR": f"{tmp}/uploads"}
        env.pop("SECRET_KEY", None)
        subprocess.run([flask, "--app", "wsgi", "db", "upgrade"], cwd=root, env=env, check=True,
                       capture_output=True)
        start = time.perf_counter()
        subprocess.run([flask, "--app", "wsgi", "seed-demo", "--password", PASSWORD, "--scale", str(scale)],
                       cwd=root, env=env, check=True, capture_output=True)
        seconds = time.perf_counter() - start
    return Row(f"seed-demo --scale {scale} (SQLite, the CLI command)", f"{seconds:.0f} s", "< 3 min",
               seconds < 180 if scale >= 50_000 else None)


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
    parser.add_argument("--scale", type=int, default=5000, help="the first size (organisations; 4 applications each)")
    parser.add_argument("--large", type=int, default=50000, help="the second size (0: only the first)")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--approvals", type=int, default=400)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--quick", action="store_true", help="small sizes, to check that it runs")
    args, _unknown = parser.parse_known_args(argv)
    if args.quick:
        args.scale, args.large, args.requests, args.approvals = 100, 300, 5, 40
    scales = [args.scale] + ([args.large] if args.large > args.scale else [])
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
        pdf_rows: list[Row] = []
        rows, info = pages(app, scales, args.requests, at_each=lambda a=app, out=pdf_rows: out.append(pdf_report(a)))
        table += [(name, r) for r in rows] + [(name, r) for r in pdf_rows]
        print(f"{name}: " + ", ".join(f"--scale {s}: {info['applications'][s]:,} applications, seeded in "
                                      f"{info['seed_seconds'][s]:.0f} s" for s in info["applications"]), flush=True)
        table += [(name, r) for r in exports(db_url, (2_000, 8_000) if args.quick else (50_000, 200_000))]
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if name == "SQLite":
            table.append((name, seed_command(scales[-1])))
        table.append((name, approvals(make_url, 8, args.approvals, approvals_target, name)))
    width = max(len(r.measure) for _n, r in table)
    fig = max(len(r.figure) for _n, r in table)
    tgt = max(len(r.target) for _n, r in table)
    print(f"\n{'database':<10} {'measure':<{width}}  {'figure':<{fig}}  {'target':<{tgt}}  result")
    for name, r in table:
        print(f"{name:<10} {r.measure:<{width}}  {r.figure:<{fig}}  {r.target:<{tgt}}  {r.mark}")
