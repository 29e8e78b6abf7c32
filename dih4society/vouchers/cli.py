"""``flask vouchers expire``: cancel vouchers past their validity, remind those close to it (cron)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..extensions import db

vouchers = AppGroup("vouchers", help="Voucher validity (issue 12).")


@vouchers.command("expire")
def expire() -> None:
    """Cancel undelivered vouchers past their validity (release, reverse aid, notify) and
    remind those expiring within 30 days. Idempotent: run it daily."""
    from ..core.mail import deliver_pending
    from .services import expire as run

    result = run()
    db.session.commit()
    deliver_pending(limit=10_000)
    click.echo(f"expired {len(result.expired)} voucher(s){': ' + ', '.join(result.expired) if result.expired else ''}")
    click.echo(f"reminded {len(result.reminded)} voucher(s){': ' + ', '.join(result.reminded) if result.reminded else ''}")
