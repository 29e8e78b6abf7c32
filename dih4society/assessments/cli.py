"""``flask dma remind`` (T1 reminders, from cron) and ``flask report dma`` (the assessment log)."""

from __future__ import annotations

import os

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from ..core.db import read_only

dma = AppGroup("dma", help="Digital Maturity Assessment tools.")


@dma.command("remind")
def remind() -> None:
    """Ask organisations whose T1 is due to take it (idempotent; again after 30 days, at most twice)."""
    from ..extensions import db
    from .reminders import send_due

    sent = send_due()
    db.session.commit()
    from ..core.mail import deliver_pending

    deliver_pending(limit=10_000)
    click.echo(f"T1 reminders sent: {sent}")


@click.command("dma")
@with_appcontext
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False, writable=True),
              help="File to write (replaced atomically when complete).")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default=None,
              help="Default: from the output file's extension.")
def report_dma(output: str, fmt: str | None) -> None:
    """The assessment log: fiscal code, kind, stage, date, version, six dimensions, overall, band."""
    from ..reports.cli import _fail, _run
    from .exports import render

    fmt = fmt or os.path.splitext(output)[1].lstrip(".").lower()
    if fmt not in ("csv", "xlsx"):
        _fail("choose --format csv or xlsx (or name the file .csv / .xlsx)")

    def produce() -> bytes:
        with read_only():
            return render("assessments", fmt)[0]

    _run(output, produce)


def register(app: Flask) -> None:
    """Add `flask dma …` and `flask report dma` (the report group belongs to reports.cli)."""
    from ..reports.cli import report

    report.add_command(report_dma)
    app.cli.add_command(dma)
