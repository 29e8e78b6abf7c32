"""Hostile input against every endpoint of the url_map, as every role: never a 5xx.

Every query argument the code reads and every form field of every form gets the same
hostile value: NUL and other control characters (PostgreSQL refuses NUL: this was a
500), a non-ASCII digit, a 10 kB string, a right-to-left override, a lone surrogate
(sent as the invalid UTF-8 a client would send), ``%`` and ``'``. Control characters
must be refused with a 400 and change nothing; a value made of non-ASCII digits in
the query is refused the same way. Nothing a GET does, and nothing a refused request
does, may change the database (logs of the request itself excepted).

To stay fast, each (endpoint, role) gets the refused values plus two of the others,
chosen by a stable rotation so that across the roles every value meets every endpoint.
"""

from __future__ import annotations

import hashlib
import importlib
import pkgutil
import re
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from access_matrix import ANON, CASES, PUBLIC, ROLES
from conftest import login
from core.test_access_matrix import DEMO_LOGIN, matrix_ids  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parents[2]

HOSTILE = {
    "nul": "a\x00b",
    "escape": "\x1b[2J\x07",
    "superscript": "²",
    "long": "Ω" + "x" * 10_000,
    "rtl": "\u202egnp.exe\u202c",
    "surrogate": "\ud800",
    "percent": "%",
    "quote": "'",
}
#: Refused by the central check wherever they appear.
REFUSED = ("nul", "escape")
OTHERS = [name for name in HOSTILE if name not in REFUSED]

#: Tables that record the request itself (audit of refusals, throttle counters,
#: notifications marked read, sessions' last-seen): allowed to change.
VOLATILE = ("audit", "throttle", "notification", "session", "attempt", "rate", "outbox")

#: Endpoints that end the test's own session.
SKIP_POST = re.compile(r"logout|sign_?out|revoke")


def query_names() -> list[str]:
    """Every query argument the application reads."""
    names = {"page", "next"}
    pattern = re.compile(r"""(?:args\.get(?:list)?|_arg)\(\s*["'](\w+)["']""")
    for path in (ROOT / "dih4society").rglob("*.py"):
        names |= set(pattern.findall(path.read_text(encoding="utf-8")))
    return sorted(names)


def form_field_names() -> list[str]:
    """Every field name of every form class of the application."""
    from flask_wtf import FlaskForm
    from wtforms.fields.core import UnboundField

    import dih4society

    for module in pkgutil.walk_packages(dih4society.__path__, "dih4society."):
        if module.name.endswith(".forms"):
            importlib.import_module(module.name)
    names, todo = set(), [FlaskForm]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        names |= {n for n in dir(cls) if isinstance(getattr(cls, n, None), UnboundField)}
    return sorted(names - {"csrf_token"})


def encode(pairs) -> str:
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='', errors='surrogatepass')}" for k, v in pairs)


def paths(app, ids: dict) -> list[tuple[str, str, str]]:
    """(endpoint, method, path) for every rule of the url_map."""
    adapter = app.url_map.bind("localhost")
    out = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
        if rule.endpoint in CASES and CASES[rule.endpoint].path:
            path = CASES[rule.endpoint].path.format(**ids)
        elif PUBLIC.get(rule.endpoint):
            path = PUBLIC[rule.endpoint]
        else:
            values = {arg: ("css/app.css" if arg == "filename" else "x") for arg in rule.arguments}
            values.update({arg: 1 for arg, conv in rule._converters.items() if "Integer" in type(conv).__name__})
            path = adapter.build(rule.endpoint, values)
        for method in ("GET", "POST"):
            if method in rule.methods and not (method == "POST" and SKIP_POST.search(rule.endpoint)):
                out.append((rule.endpoint, method, path))
    return out


def snapshot(app) -> dict[str, str]:
    """A digest of every table's rows, volatile tables left out."""
    from dih4society.extensions import db

    digests = {}
    with app.app_context():
        for name, table in sorted(db.metadata.tables.items()):
            if any(word in name for word in VOLATILE):
                continue
            rows = db.session.execute(sa.select(table)).all()
            digests[name] = hashlib.sha256(repr(sorted(map(repr, rows))).encode()).hexdigest()
        db.session.rollback()
    return digests


def sample(endpoint: str, role: str) -> list[str]:
    """The refused values plus two others, rotating over roles so all are used."""
    start = (int(hashlib.md5(endpoint.encode()).hexdigest(), 16) + 2 * (ROLES + (ANON,)).index(role)) % len(OTHERS)
    return [*REFUSED, OTHERS[start], OTHERS[(start + 1) % len(OTHERS)]]


class Session:
    """A test client that logs back in if a request ended its session."""

    def __init__(self, app, role):
        self.client, self.role = app.test_client(), role
        self.login()

    def login(self):
        if self.role != ANON:
            assert b"Log out" in login(self.client, DEMO_LOGIN[self.role]).data

    def send(self, method, path, value_name):
        value = HOSTILE[value_name]
        sep = "&" if "?" in path else "?"
        url = path + sep + encode((name, value) for name in QUERY_NAMES)
        if method == "GET":
            response = self.client.get(url)
        else:
            response = self.client.post(url, data=encode((name, value) for name in FORM_NAMES),
                                        content_type="application/x-www-form-urlencoded")
        response.close()
        if self.role != ANON and response.status_code == 302 and "/auth/login" in response.headers["Location"]:
            self.login()
        return response


QUERY_NAMES = query_names()
FORM_NAMES = form_field_names()


def test_the_fuzz_reaches_what_the_code_reads():
    assert {"object_id", "q", "partner", "service_id", "next"} <= set(QUERY_NAMES)
    assert {"email", "password", "legal_name", "fiscal_code"} <= set(FORM_NAMES)


@pytest.mark.parametrize("role", (ANON,) + ROLES)
def test_hostile_input_never_gives_a_5xx(app, matrix_ids, role):  # noqa: F811
    session = Session(app, role)
    targets = paths(app, matrix_ids)
    assert len({endpoint for endpoint, _, _ in targets}) >= len(CASES)

    # 1. GETs with every value, and POSTs with the refused values: nothing may change.
    before = snapshot(app)
    problems = []
    for endpoint, method, path in targets:
        for name in sample(endpoint, role) if method == "GET" else REFUSED:
            status = session.send(method, path, name).status_code
            if status >= 500:
                problems.append((endpoint, method, name, status))
            elif name in REFUSED and status != 400:
                problems.append((endpoint, method, name, status, "expected 400"))
            elif method == "GET" and name == "superscript" and status not in (400, 403, 404, 302):
                problems.append((endpoint, method, name, status, "expected a refusal"))
    assert not problems, problems
    assert snapshot(app) == before, "a GET or a refused request changed the database"

    # 2. POSTs with the other values: refused or accepted, never a server error.
    for endpoint, method, path in targets:
        if method == "POST":
            for name in sample(endpoint, role)[len(REFUSED):]:
                status = session.send(method, path, name).status_code
                if status >= 500:
                    problems.append((endpoint, method, name, status))
    assert not problems, problems
