"""Command-line tools: demo data, the e-mail outbox, budget checks."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup

from .extensions import db

DEFAULT_DEMO_PASSWORD = "demo-password-2026"


def register(app: Flask) -> None:
    """Attach every command to the app."""

    @app.cli.command("seed-demo")
    @click.option("--password", default=DEFAULT_DEMO_PASSWORD, show_default=True,
                  help="Password of every demo account.")
    @click.option("--scale", default=0, type=int, help="Add N organisations with applications.")
    @click.option("--totp-secret", default="", metavar="BASE32",
                  help="Enrol every demo staff account with this TOTP secret (second factor).")
    def seed_demo(password: str, scale: int, totp_secret: str) -> None:
        """Load the demo data (idempotent); --scale N adds N organisations for benchmarks."""
        from .demo import seed

        if totp_secret:
            from .auth.mfa import normalise_secret
            from .core.errors import DomainError

            try:
                normalise_secret(totp_secret)
            except DomainError as exc:
                raise click.BadParameter(exc.message, param_hint="--totp-secret") from exc
        report = seed(password=password, scale=scale)
        click.echo(report)
        if totp_secret:
            from .auth.cli import enrol_demo_staff

            enrolled = enrol_demo_staff(totp_secret)
            click.echo(f"TOTP second factor enrolled for {len(enrolled)} demo staff account(s)")

    outbox = AppGroup("outbox", help="The e-mail outbox.")

    @outbox.command("send")
    def outbox_send() -> None:
        """Send whatever is waiting in the outbox."""
        from .core.mail import deliver_pending

        click.echo(f"sent {deliver_pending(limit=10_000)} message(s)")

    app.cli.add_command(outbox)

    budget = AppGroup("budget", help="Budget ledger tools.")

    @budget.command("verify")
    def budget_verify() -> None:
        """Recompute balances from the ledger, check the invariants, print totals."""
        from .budget.services import verify
        from .core.money import eur_plain

        result = verify()
        click.echo(f"accounts: {result.accounts}  ledger entries: {result.entries}")
        for key in ("envelope", "allocated", "committed", "spent", "available"):
            click.echo(f"{key:>10}: EUR {eur_plain(result.totals[key]):>16}")
        if result.ok:
            click.echo("OK: balances equal the ledger; all invariants hold.")
            return
        for problem in result.problems:
            click.echo(f"MISMATCH: {problem}", err=True)
        db.session.rollback()
        sys.exit(1)

    app.cli.add_command(budget)

    from .reports.cli import report; app.cli.add_command(report)  # noqa: E702, I001
    from .auth.cli import users; app.cli.add_command(users)  # noqa: E702, I001
    from .assessments.cli import register as register_dma; register_dma(app)  # noqa: E702, I001
    from .vouchers.cli import vouchers; app.cli.add_command(vouchers)  # noqa: E702, I001
