"""Shared by bench_pages and bench_approvals: fresh databases, timing, the machine."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from dih4society import create_app
from dih4society.extensions import db

PASSWORD = "bench-password-2026"
DEFAULT_PG_URL = "postgresql+psycopg://dih_test:dih_test@127.0.0.1:5432/dih_test"


def pg_url() -> str:
    """The PostgreSQL database the benchmarks may wipe: BENCH_DATABASE_URL, else the test one."""
    return os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL") or DEFAULT_PG_URL


def pg_reachable(url: str) -> str | None:
    """None when PostgreSQL answers at `url`, else why not."""
    try:
        engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means: skip PostgreSQL
        return str(exc).splitlines()[0]
    return None


def sqlite_url(name: str) -> str:
    directory = Path(tempfile.mkdtemp(prefix="dih-bench-"))
    return f"sqlite:///{directory / name}"


def fresh_app(url: str, **config):
    """An app on a database migrated from empty (PostgreSQL: the public schema is recreated)."""
    from flask_migrate import upgrade

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "MAIL_SERVER": "", **config})
    with app.app_context():
        if url.startswith("postgresql"):
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
        upgrade()
        db.session.remove()
    return app


@dataclass
class Timing:
    """Server times of one page, in milliseconds."""

    label: str
    samples: list[float]
    queries: int | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def time_calls(call: Callable[[], object], n: int, warmup: int) -> list[float]:
    """Call `warmup` times, then time `n` calls (ms each)."""
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def _run(cmd: str) -> str:
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=10).stdout.strip()
    except Exception:  # noqa: BLE001
        return "?"


def machine() -> dict[str, str]:
    """nproc, CPU model, memory, Python and SQLite/PostgreSQL versions."""
    import sqlite3

    mem = _run("free -h | awk '/^Mem:/ {print $2}'")
    return {
        "nproc": _run("nproc"),
        "cpu": _run("lscpu | grep 'Model name' | sed 's/Model name:[[:space:]]*//'"),
        "memory": mem,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "os": platform.platform(),
    }
