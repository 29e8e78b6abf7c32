"""Profile pages with cProfile: ``python -m benchmarks.profile_pages [--scale N] [--db URL] [paths…]``.

Seeds a fresh database (SQLite by default) with ``seed-demo --scale N``, logs the
demo manager in, requests each path a few times to warm up, then profiles 20
requests and prints the top entries by cumulative and by own time. The figures in
``benchmarks/README.md`` ("profile before and after") come from here.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import logging
import pstats
import sys

from ._budget_support import PASSWORD, fresh_app, sqlite_url
from .bench_pages import seed


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile_pages")
    parser.add_argument("--scale", type=int, default=5000)
    parser.add_argument("--db", default="")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--login", default="manager")
    parser.add_argument("paths", nargs="*", default=["/budget/"])
    args = parser.parse_args(argv)
    logging.disable(logging.INFO)
    app = fresh_app(args.db or sqlite_url("profile.sqlite"))
    print("seeded:", seed(app, args.scale))
    client = app.test_client()
    client.post("/auth/login", data={"email": f"{args.login}@dih4society.example", "password": PASSWORD})
    for path in args.paths:
        for _ in range(3):
            assert client.get(path).status_code == 200, path
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.requests):
            client.get(path)
        profile.disable()
        for order in ("cumulative", "tottime"):
            out = io.StringIO()
            pstats.Stats(profile, stream=out).strip_dirs().sort_stats(order).print_stats(args.top)
            print(f"== {path}, {args.requests} requests, by {order}")
            print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:6000])


if __name__ == "__main__":
    main(sys.argv[1:])
