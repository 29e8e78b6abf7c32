"""Every package the application imports at run time is in requirements.txt.

`make install` installs only requirements.txt; a test-only package imported by the
application (as pypdf once was by `flask report`) breaks a documented command in
production. ``.ci/cli-smoke`` runs the commands; this test names the culprit.
"""

from __future__ import annotations

import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_requirements() -> set[str]:
    names = set()
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            names.add(_normalise(re.split(r"[\[=<>~! ]", line, maxsplit=1)[0]))
    return names


def imported_top_level_modules() -> set[str]:
    modules = set()
    for path in [*(ROOT / "dih4society").rglob("*.py"), ROOT / "config.py", ROOT / "wsgi.py"]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.split(".")[0])
    return modules - set(sys.stdlib_module_names) - {"dih4society", "config", "__future__"}


def test_every_runtime_import_is_a_runtime_requirement():
    distributions = packages_distributions()
    wanted = runtime_requirements()
    missing = {}
    for module in sorted(imported_top_level_modules()):
        dists = {_normalise(d) for d in distributions.get(module, [module])}
        # A module may come from a dependency of a listed package (e.g. click from Flask),
        # which is fine only if the pinned package brings it; direct imports must be listed
        # unless they are a declared dependency of Flask itself.
        if not dists & wanted and not dists & {"click", "jinja2", "werkzeug", "markupsafe", "itsdangerous",
                                                "blinker", "wtforms", "sqlalchemy"}:
            missing[module] = sorted(dists)
    assert not missing, f"imported by the application but not in requirements.txt: {missing}"
