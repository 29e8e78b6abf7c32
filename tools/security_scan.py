"""Repeat the outside assessment: wapiti and sqlmap against a running server, as each role.

    python tools/security_scan.py BASE_URL --totp-secret BASE32 [--password P] [--minutes N]

The scanners are not project dependencies (they are big and only an assessor needs
them); install them in a venv of their own and put it first on PATH:

    python3 -m venv /tmp/scan && /tmp/scan/bin/pip install wapiti3 sqlmap
    PATH=/tmp/scan/bin:$PATH python tools/security_scan.py http://127.0.0.1:8000 --totp-secret JBSWY3DPEHPK3PXP

The server is the operator's: start it with the production configuration over a
database seeded with ``seed-demo --totp-secret`` (the same secret), with
``--access-logfile`` so that ``--access-log`` can count the 5xx answers of the whole run. For each role
(anonymous, applicant, partner staff, manager) the script logs in through the real
forms (password, then the TOTP code), keeps the session cookie, and runs wapiti
(crawl and every attack module's default set, logout and session-ending URLs
excluded so the scan stays logged in) and sqlmap on every parameter of the list
pages that filter through SQL. Reports land in ``scan-reports/`` (ignored by git);
the summary printed at the end counts wapiti's findings by severity and says
whether sqlmap found an injectable parameter.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from http.client import HTTPConnection, HTTPSConnection
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pyotp

ROLES = {
    "applicant": "applicant@dih4society.example",
    "partner": "partner@dih4society.example",
    "manager": "manager@dih4society.example",
}
#: One User-Agent for the login and the scanners: a session is bound to the agent that
#: opened it and ends when another one uses its cookie (auth/sessions.py).
AGENT = "Mozilla/5.0 (X11; Linux x86_64) dih4society-security-scan"
#: URLs that end the session (or change the password or the second factor): not crawled.
EXCLUDE = ["/auth/logout*", "/auth/logout-everywhere*", "/auth/sessions*", "/auth/account*",
           "/auth/security*", "/static/*"]
#: GET parameters that reach SQL filters, per page (sqlmap tests each).
SQLMAP_TARGETS = {
    None: ["/catalogue/?q=cloud&partner=1"],
    "applicant": ["/applications/new?service_id=1&call_id=1"],
    "partner": ["/applications/queue?state=submitted&kind=sme&county=CJ&partner=1&from=2026-01-01&page=1"],
    "manager": ["/applications/queue?state=submitted&kind=sme&county=CJ&category=training&to=2026-12-31&after=x",
                "/budget/ledger?account=1&kind=commit&reference=DIH&date_from=2026-01-01",
                "/budget/aid?q=SRL&kind=sme&county=CJ"],
}


class Client:
    """Cookies by hand over plain HTTP (the production cookie is Secure)."""

    def __init__(self, base: str):
        self.base = urlsplit(base)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, dict, str]:
        cls = HTTPSConnection if self.base.scheme == "https" else HTTPConnection
        conn = cls(self.base.hostname, self.base.port, timeout=30)
        headers = {"Host": self.base.netloc, "User-Agent": AGENT}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        conn.close()
        return response.status, dict(response.getheaders()), text

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())


def _token(page: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page)
    if not match:
        raise SystemExit("no CSRF token on the login form")
    return match.group(1)


def login(base: str, email: str, password: str, secret: str) -> Client:
    client = Client(base)
    _status, _h, page = client.request("GET", "/auth/login")
    status, headers, _page = client.request("POST", "/auth/login", {
        "csrf_token": _token(page), "email": email, "password": password})
    if status not in (302, 303):
        raise SystemExit(f"login of {email} refused ({status})")
    if "/auth/login/code" in headers.get("Location", ""):
        _status, _h, page = client.request("GET", "/auth/login/code")
        status, headers, _page = client.request("POST", "/auth/login/code", {
            "csrf_token": _token(page), "code": pyotp.TOTP(secret).now()})
        if status not in (302, 303):
            raise SystemExit(f"second factor of {email} refused ({status})")
    # A page with a form, so the session holds its CSRF secret before the cookie is copied;
    # and a page only a logged-in user reaches, to be sure the session is alive.
    status, _h, _page = client.request("GET", "/auth/account")
    if status != 200:
        raise SystemExit(f"{email}: logged in, but /auth/account answered {status}")
    return client


def still_logged_in(base: str, cookie: str) -> bool:
    """After a scan: does the session still open a page that needs a login?"""
    client = Client(base)
    for part in cookie.split("; "):
        key, _, value = part.partition("=")
        client.cookies[key] = value
    status, _h, _page = client.request("GET", "/auth/account")
    return status == 200


def wapiti(base: str, role: str, cookie: str, out: Path, minutes: int) -> dict:
    report = out / f"wapiti-{role}.json"
    command = ["wapiti", "-u", base + "/", "--scope", "folder", "-f", "json", "-o", str(report),
               "--max-scan-time", str(minutes * 60),
               "--max-attack-time", str(max(30, minutes * 60 // 12)), "-A", AGENT, "--flush-session", "-v", "0", "--color"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    for pattern in EXCLUDE:
        command += ["-x", base + pattern]
    subprocess.run(command, check=False, stdout=(out / f"wapiti-{role}.log").open("w"),
                   stderr=subprocess.STDOUT)
    if not report.exists():
        return {"error": "no report"}
    data = json.loads(report.read_text())
    counts: dict[str, int] = {}
    for section in ("vulnerabilities", "anomalies"):
        for name, items in data.get(section, {}).items():
            for item in items:
                level = {1: "low", 2: "medium", 3: "high", 4: "critical"}.get(item.get("level"), str(item.get("level")))
                key = f"{section}:{name}:{level}"
                counts[key] = counts.get(key, 0) + 1
    return {"crawled": len(data.get("infos", {}).get("crawled_pages", []) or []) or data.get("infos", {}).get(
        "crawled_pages_nbr"), "findings": counts}


def sqlmap(base: str, role: str, cookie: str, out: Path) -> dict:
    results = {}
    for path in SQLMAP_TARGETS.get(None if role == "anonymous" else role, []):
        command = ["sqlmap", "-u", base + path, "--batch", "--level", "2", "--risk", "1",
                   "--output-dir", str(out / "sqlmap"), "--disable-coloring", "--skip-waf", "--user-agent", AGENT,
                   "--flush-session"]
        if cookie:
            command += ["--cookie", cookie, "--drop-set-cookie"]
        done = subprocess.run(command, check=False, capture_output=True, text=True)
        (out / f"sqlmap-{role}-{len(results)}.log").write_text(done.stdout + done.stderr)
        injectable = "is vulnerable" in done.stdout or "sqlmap identified the following injection" in done.stdout
        results[path] = "INJECTABLE" if injectable else (
            "not injectable" if "do not appear to be injectable" in done.stdout else "see log")
    return results


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python tools/security_scan.py")
    parser.add_argument("base")
    parser.add_argument("--password", default="demo-password-2026")
    parser.add_argument("--totp-secret", default="")
    parser.add_argument("--minutes", type=int, default=8, help="wapiti's time per role")
    parser.add_argument("--roles", default="anonymous,applicant,partner,manager")
    parser.add_argument("--out", default="scan-reports")
    parser.add_argument("--access-log", default="",
                        help="the server's access log (gunicorn --access-logfile): 5xx answers are counted")
    args = parser.parse_args(argv)
    for tool in ("wapiti", "sqlmap"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is not on PATH (see this script's docstring)")
    base = args.base.rstrip("/")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    summary = {}
    for role in args.roles.split(","):
        cookie = "" if role == "anonymous" else login(base, ROLES[role], args.password, args.totp_secret).cookie_header()
        print(f"[{role}] wapiti …", flush=True)
        found = wapiti(base, role, cookie, out, args.minutes)
        print(f"[{role}] sqlmap …", flush=True)
        summary[role] = {"wapiti": found, "sqlmap": sqlmap(base, role, cookie, out)}
        if cookie:  # a scan that lost its session would have tested the login page only
            summary[role]["session alive after the scans"] = still_logged_in(base, cookie)
        print(json.dumps({role: summary[role]}, indent=1), flush=True)
    if args.access_log:
        # Scanners report what their payloads provoke, not a 500 met while crawling: count them all.
        lines = Path(args.access_log).read_text(errors="replace").splitlines()
        errors = [line for line in lines if re.search(r'" 5\d\d ', line)]
        summary["server"] = {"requests": len(lines), "5xx answers": len(errors), "first 5xx": errors[:5]}
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main(sys.argv[1:])
