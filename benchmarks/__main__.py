"""Run the benchmarks: ``python -m benchmarks [name] [options]`` (``make bench`` runs all).

Every module ``benchmarks/bench_<name>.py`` with a ``main(argv)`` function is a
benchmark: it is found here by its file name, so adding one needs no edit to this
file. ``python -m benchmarks reports --repeat 1`` runs one with its own options;
without a name every benchmark runs with its defaults. Figures go to
``benchmarks/README.md``.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def available() -> dict[str, str]:
    """Benchmark name -> module name, from the ``bench_*.py`` files of this package."""
    here = str(Path(__file__).resolve().parent)
    return {info.name.removeprefix("bench_"): f"benchmarks.{info.name}"
            for info in pkgutil.iter_modules([here]) if info.name.startswith("bench_")}


def main(argv: list[str]) -> int:
    benches = available()
    if argv and argv[0] in ("-h", "--help"):
        print(__doc__)
        print("available:", ", ".join(sorted(benches)))
        return 0
    if argv and not argv[0].startswith("-"):
        name, rest = argv[0], argv[1:]
        if name not in benches:
            print(f"unknown benchmark {name!r}; available: {', '.join(sorted(benches))}", file=sys.stderr)
            return 2
        importlib.import_module(benches[name]).main(rest)
        return 0
    for name in sorted(benches):
        print(f"== {name}")
        importlib.import_module(benches[name]).main(argv)
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
