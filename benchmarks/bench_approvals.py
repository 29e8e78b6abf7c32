"""Benchmark: approvals per second with 8 concurrent workers, on SQLite and PostgreSQL.

    python -m benchmarks approvals [--approvals 800] [--workers 8] [--quick] [--no-postgres]

Each approval is one transaction as the workflow makes it: load the application,
check and record the state aid (ceiling query, grant row), commit the amount on the
partner × category account (guarded UPDATE + ledger entry), write an audit event,
change the state, commit. Two kinds of worker: threads of one process, each with
its own app context (session, connection) - they share one interpreter lock - and
processes, each with its own app, as gunicorn workers would be. Two layouts: every
approval on one account (the hot row every worker fights for) and approvals spread
over twelve accounts.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from dih4society.extensions import db

from ._budget_support import fresh_app, machine, pg_reachable, pg_url, sqlite_url

AMOUNT = 100_00  # EUR 100: every account has room for all of them


@dataclass
class Throughput:
    label: str
    kind: str
    approvals: int
    seconds: float
    refused: int
    errors: int
    verify_ok: bool

    @property
    def per_second(self) -> float:
        return self.approvals / self.seconds if self.seconds else 0.0


def _prepare(app, total: int, spread: bool) -> tuple[int, list[int]]:
    from factories import make_org, make_partner, make_service, make_user  # tests/factories.py

    from dih4society.applications.models import Application, AppState
    from dih4society.auth.models import Role
    from dih4society.budget import services as budget
    from dih4society.catalogue.models import Category

    with app.app_context():
        admin = make_user(Role.ADMIN)
        budget.set_envelope(admin, 100_000_000_00, 50)
        reserve = budget.reserve_account()
        services = []
        for _ in range(3 if spread else 1):
            partner = make_partner()
            for cat in list(Category)[: 4 if spread else 1]:
                account = budget.ensure_account(partner, cat)
                budget.transfer(admin, reserve, account, 1_000_000_00, f"bench:{account.id}")
                services.append(make_service(partner, cat, value_cents=AMOUNT))
        creator = make_user(Role.APPLICANT)
        orgs = [make_org() for _ in range(200)]
        rows = [dict(reference=f"DIH-2026-{800000 + i:06d}", organisation_id=orgs[i % len(orgs)].id,
                     service_id=services[i % len(services)].id, created_by_id=creator.id,
                     state=AppState.IN_REVIEW, requested_cents=AMOUNT, justification="bench")
                for i in range(total)]
        db.session.execute(sa.insert(Application), rows)
        db.session.commit()
        ids = list(db.session.scalars(sa.select(Application.id).where(Application.state == AppState.IN_REVIEW)
                                      .order_by(Application.id)))
        admin_id = admin.id
        db.session.remove()
    return admin_id, ids


def _approve_chunk(app, admin_id: int, chunk: list[int], wait) -> tuple[int, int]:
    """Approve each application of `chunk` in its own transaction; (refused, errors)."""
    from dih4society.applications.models import Application, AppState
    from dih4society.auth.models import User
    from dih4society.budget import services as budget
    from dih4society.core import audit
    from dih4society.core.errors import DomainError

    refused = errors = 0
    with app.app_context():
        actor = db.session.get(User, admin_id)
        db.session.commit()
        wait()
        for app_id in chunk:
            try:
                application = db.session.get(Application, app_id)
                application.approved_cents = AMOUNT
                budget.on_approve(actor, application, AMOUNT, date.today())
                application.state = AppState.APPROVED
                audit.record(actor, "application.approve", "application", app_id, {"amount": AMOUNT})
                db.session.commit()
            except DomainError:
                db.session.rollback()
                refused += 1
            except Exception:  # noqa: BLE001 - counted and reported
                db.session.rollback()
                errors += 1
        db.session.remove()
    return refused, errors


def _approve_with_threads(app, admin_id: int, ids: list[int], workers: int) -> tuple[float, int, int]:
    chunks = [ids[i::workers] for i in range(workers)]
    barrier = threading.Barrier(workers + 1)
    outcomes: list[tuple[int, int]] = [(0, 0)] * workers

    def work(n: int) -> None:
        outcomes[n] = _approve_chunk(app, admin_id, chunks[n], lambda: barrier.wait(timeout=60))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(workers)]
    for t in threads:
        t.start()
    barrier.wait(timeout=60)
    start = time.perf_counter()
    for t in threads:
        t.join()
    return time.perf_counter() - start, sum(o[0] for o in outcomes), sum(o[1] for o in outcomes)


def _process_worker(url: str, admin_id: int, chunk: list[int], barrier, results) -> None:
    import logging

    from dih4society import create_app

    logging.disable(logging.INFO)
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "MAIL_SERVER": ""})
    results.put(_approve_chunk(app, admin_id, chunk, lambda: barrier.wait(timeout=60)))


def _approve_with_processes(url: str, admin_id: int, ids: list[int], workers: int) -> tuple[float, int, int]:
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")  # a clean interpreter each, like a server's workers
    barrier = ctx.Barrier(workers + 1)
    results = ctx.Queue()
    procs = [ctx.Process(target=_process_worker, args=(url, admin_id, ids[i::workers], barrier, results))
             for i in range(workers)]
    for p in procs:
        p.start()
    barrier.wait(timeout=120)
    start = time.perf_counter()
    outcomes = [results.get(timeout=600) for _ in procs]
    seconds = time.perf_counter() - start
    for p in procs:
        p.join()
    return seconds, sum(o[0] for o in outcomes), sum(o[1] for o in outcomes)


def run(make_url, total: int, workers: int) -> list[Throughput]:
    """Both layouts, each on a fresh database from `make_url(name)`."""
    import os
    import sys

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests"))
    from dih4society.budget import services as budget

    results = []
    for kind in ("threads", "processes"):
        for spread, label in ((False, "one account (hot row)"), (True, "12 accounts")):
            url = make_url(f"approvals-{kind}-{int(spread)}.sqlite")
            app = fresh_app(url, SQLALCHEMY_ENGINE_OPTIONS={"pool_size": workers + 2, "max_overflow": 0})
            admin_id, ids = _prepare(app, total, spread)
            if kind == "threads":
                seconds, refused, errors = _approve_with_threads(app, admin_id, ids, workers)
            else:
                seconds, refused, errors = _approve_with_processes(url, admin_id, ids, workers)
            with app.app_context():
                ok = budget.verify().ok
                db.session.remove()
                db.engine.dispose()
            results.append(Throughput(label, kind, len(ids) - refused - errors, seconds, refused, errors, ok))
    return results


def main(argv: list[str]) -> None:
    import argparse
    import logging

    parser = argparse.ArgumentParser(prog="python -m benchmarks approvals")
    parser.add_argument("--approvals", type=int, default=800, help="approvals per run")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--quick", action="store_true", help="small sizes, to check that it runs")
    parser.add_argument("--no-postgres", action="store_true")
    args, _unknown = parser.parse_known_args(argv)
    if args.quick:
        args.approvals = 80
    logging.disable(logging.INFO)
    print("machine:", ", ".join(f"{k} {v}" for k, v in machine().items()))
    targets = [("SQLite", sqlite_url)]
    url = pg_url()
    reason = "--no-postgres" if args.no_postgres else pg_reachable(url)
    if reason is None:
        targets.append(("PostgreSQL", lambda _name: url))
    else:
        print(f"note: PostgreSQL skipped ({reason}); start it with `pg_ctlcluster 15 main start` and "
              "create the role and database as .ci/run does")
    for name, make_url in targets:
        print(f"\n{name}, {args.workers} concurrent workers, {args.approvals} approvals per run")
        for r in run(make_url, args.approvals, args.workers):
            print(f"{r.kind:<10} {r.label:<24} {r.per_second:>6.0f} approvals/s  ({r.approvals} in "
                  f"{r.seconds:.2f} s, {r.refused} refused, {r.errors} errors, "
                  f"verify {'OK' if r.verify_ok else 'FAILED'})")
