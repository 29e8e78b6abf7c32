"""`flask users …`: account commands for operators (second-factor reset)."""

from __future__ import annotations

import sys

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from ..extensions import db

users = AppGroup("users", help="User accounts.")


@users.command("reset-mfa")
@click.argument("email")
def reset_mfa_command(email: str) -> None:
    """Remove EMAIL's second factors (TOTP, recovery codes, passkeys) and end their
    sessions; audited. For a user who lost their phone and every recovery code."""
    from . import mfa
    from .models import User
    from .services import normalise_email

    user = db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))
    if user is None:
        click.echo(f"no user {email}", err=True)
        sys.exit(1)
    mfa.reset_mfa(None, user)
    db.session.commit()
    click.echo(f"second factor reset for {user.email}; their sessions have ended")


def enrol_demo_staff(secret: str) -> list[str]:
    """Enrol every demo staff account with the TOTP `secret` (for demos and scripted checks)."""
    from . import mfa
    from .models import Role, User

    secret = mfa.normalise_secret(secret)
    staff = db.session.scalars(sa.select(User).where(
        User.role != Role.APPLICANT, User.email.like("%@dih4society.example")).order_by(User.email)).all()
    for user in staff:
        if user.totp_secret != secret:
            user.totp_secret, user.totp_last_step = secret, None
            if not mfa.recovery_codes_left(user):
                mfa.new_recovery_codes(user)
    db.session.commit()
    return [user.email for user in staff]
