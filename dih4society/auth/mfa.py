"""The second factor: TOTP (pyotp) with single-use recovery codes, and passkeys (WebAuthn).

A passkey is a complete sign-in on its own (possession plus the authenticator's user
verification), so it also counts as the second factor STAFF_MFA_REQUIRED asks for.
Services flush and never commit; WebAuthn challenges are kept by the views in the
signed session cookie and passed in explicitly.
"""

from __future__ import annotations

import hmac
import json
import secrets
import time
from urllib.parse import urlsplit

import pyotp
import segno
import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from webauthn import (
    base64url_to_bytes,
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import bytes_to_base64url
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from ..core import audit
from ..core.db import utcnow
from ..core.errors import DomainError
from ..extensions import db
from .models import Passkey, RecoveryCode, User
from .services import end_all_sessions, hash_password

RECOVERY_CODES = 10
TOTP_DIGITS = 6


# --- TOTP ---------------------------------------------------------------------------

def new_totp_secret() -> str:
    return pyotp.random_base32()


def normalise_secret(secret: str) -> str:
    """An upper-case base32 secret without spaces; raise DomainError if it is not one."""
    cleaned = "".join(secret.split()).upper()
    try:
        pyotp.TOTP(cleaned).now()
    except Exception as exc:  # binascii.Error and friends
        raise DomainError(_("That is not a base32 secret.")) from exc
    if len(cleaned) < 16:
        raise DomainError(_("That is not a base32 secret."))
    return cleaned


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=current_app.config["HUB_NAME"])


def qr_data_uri(uri: str) -> str:
    """The QR code as an SVG data: URI, for an <img> the CSP allows (img-src data:)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def _matching_step(secret: str, code: str, after: int | None) -> int | None:
    code = "".join(code.split())
    if len(code) != TOTP_DIGITS or not code.isascii() or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now_step = int(time.time()) // totp.interval
    for step in (now_step - 1, now_step, now_step + 1):  # one step of clock drift
        if (after is None or step > after) and hmac.compare_digest(totp.at(step * totp.interval), code):
            return step
    return None


def enrol_totp(user: User, secret: str, code: str | None = None, actor=None) -> list[str]:
    """Enrol `secret` for `user` (after checking `code` when given); returns fresh recovery
    codes (shown once) unless the user already holds some."""
    secret = normalise_secret(secret)
    if code is not None:
        step = _matching_step(secret, code, None)
        if step is None:
            raise DomainError(_("That code is not right. Check the time on your phone and try again."), "code")
        user.totp_last_step = step
    user.totp_secret = secret
    audit.record(actor or user, "user.totp_enrol", "user", user.id)
    if not _unused_recovery_codes(user):
        return new_recovery_codes(user)
    return []


def remove_totp(user: User) -> None:
    """Remove TOTP; refused when staff must keep a second factor and have no passkey."""
    if current_app.config["STAFF_MFA_REQUIRED"] and user.mfa_expected and not user.passkeys:
        raise DomainError(_("Staff must keep a second factor. Add a passkey first."))
    user.totp_secret, user.totp_last_step = None, None
    audit.record(user, "user.totp_remove", "user", user.id)


def verify_totp(user: User, code: str) -> bool:
    """A current code for `user`, never one already used (replay)."""
    if not user.totp_secret:
        return False
    step = _matching_step(user.totp_secret, code, user.totp_last_step)
    if step is None:
        return False
    # Guarded, so two requests racing with the same code cannot both win.
    won = db.session.execute(
        sa.update(User).where(User.id == user.id, sa.or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step).execution_options(synchronize_session=False)).rowcount
    if won == 1:
        user.totp_last_step = step
    return won == 1


# --- recovery codes -------------------------------------------------------------------

def _format_code() -> str:
    raw = "".join(secrets.choice("abcdefghjkmnpqrstuvwxyz23456789") for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def _unused_recovery_codes(user: User) -> list[RecoveryCode]:
    return list(db.session.scalars(sa.select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))))


def recovery_codes_left(user: User) -> int:
    return len(_unused_recovery_codes(user))


def new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes by RECOVERY_CODES new ones (argon2-hashed)."""
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_format_code() for _ in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=hash_password(code)) for code in codes)
    db.session.flush()
    audit.record(user, "user.recovery_codes", "user", user.id)
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    """Spend one recovery code (single use, guarded against a racing second use)."""
    from argon2 import PasswordHasher
    from argon2.exceptions import InvalidHashError, VerificationError

    code = "".join(code.split()).lower()
    if len(code) != 11:
        return False
    for row in _unused_recovery_codes(user):
        try:
            PasswordHasher().verify(row.code_hash, code)
        except (VerificationError, InvalidHashError):
            continue
        spent = db.session.execute(
            sa.update(RecoveryCode).where(RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None))
            .values(used_at=utcnow()).execution_options(synchronize_session=False)).rowcount
        if spent == 1:
            audit.record(user, "user.recovery_code_used", "user", user.id)
            return True
    return False


def verify_second_factor(user: User, code: str) -> str | None:
    """The method a code proves ("totp" or "recovery"), or None."""
    if verify_totp(user, code):
        return "totp"
    if use_recovery_code(user, code):
        return "recovery"
    return None


# --- admin-assisted reset ---------------------------------------------------------------

def reset_mfa(actor, user: User) -> None:
    """Remove every second factor of `user` (lost phone) and end their sessions; audited.
    The user enrols again at the next login (STAFF_MFA_REQUIRED)."""
    if actor is not None and getattr(actor, "id", None) == user.id:
        raise DomainError(_("Ask another administrator to reset your own second factor."))
    before = {"totp": bool(user.totp_secret), "passkeys": len(user.passkeys),
              "recovery_codes": recovery_codes_left(user)}
    user.totp_secret, user.totp_last_step = None, None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    for passkey in list(user.passkeys):
        db.session.delete(passkey)
    db.session.flush()
    db.session.expire(user, ["passkeys"])
    end_all_sessions(user, actor, "mfa_reset_sessions")
    audit.record(actor, "user.mfa_reset", "user", user.id, {"before": before})


# --- passkeys (WebAuthn) ----------------------------------------------------------------

def relying_party() -> tuple[str, str]:
    """(RP id, expected origin): the host and origin of PUBLIC_BASE_URL."""
    base = current_app.config["PUBLIC_BASE_URL"]
    parts = urlsplit(base)
    return current_app.config.get("WEBAUTHN_RP_ID") or parts.hostname or "localhost", \
        f"{parts.scheme}://{parts.netloc}"


def registration_options(user: User) -> tuple[str, str]:
    """(options JSON for navigator.credentials.create, challenge to keep, base64url)."""
    rp_id, _origin = relying_party()
    options = generate_registration_options(
        rp_id=rp_id, rp_name=current_app.config["HUB_NAME"], user_name=user.email,
        user_id=str(user.id).encode(), user_display_name=user.full_name,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED),
        exclude_credentials=[PublicKeyCredentialDescriptor(id=base64url_to_bytes(p.credential_id))
                             for p in user.passkeys])
    return options_to_json(options), bytes_to_base64url(options.challenge)


def register_passkey(user: User, credential: dict | str, challenge: str, name: str) -> Passkey:
    """Verify a new credential against the kept challenge and store it."""
    rp_id, origin = relying_party()
    try:
        verified = verify_registration_response(
            credential=credential, expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=rp_id, expected_origin=origin, require_user_verification=True)
    except (InvalidRegistrationResponse, ValueError, KeyError, TypeError) as exc:
        raise DomainError(_("The passkey could not be registered. Try again.")) from exc
    credential_id = bytes_to_base64url(verified.credential_id)
    if db.session.scalar(sa.select(Passkey.id).where(Passkey.credential_id == credential_id)):
        raise DomainError(_("This passkey is already registered."))
    passkey = Passkey(user_id=user.id, credential_id=credential_id, public_key=verified.credential_public_key,
                      sign_count=verified.sign_count, name="".join(ch for ch in (name or "") if ch.isprintable()).strip()[:100] or _("Passkey"))
    db.session.add(passkey)
    db.session.flush()
    db.session.expire(user, ["passkeys"])
    audit.record(user, "user.passkey_add", "passkey", passkey.id, {"name": passkey.name})
    return passkey


def authentication_options() -> tuple[str, str]:
    """Options for a usernameless sign-in (discoverable credentials) and the challenge."""
    rp_id, _origin = relying_party()
    options = generate_authentication_options(rp_id=rp_id, user_verification=UserVerificationRequirement.REQUIRED)
    return options_to_json(options), bytes_to_base64url(options.challenge)


def authenticate_passkey(credential: dict | str, challenge: str) -> User:
    """The active user whose passkey signed the challenge; raise DomainError otherwise."""
    failure = DomainError(_("That passkey did not sign you in."))
    try:
        data = json.loads(credential) if isinstance(credential, str) else credential
        credential_id = str(data["id"])
    except (ValueError, KeyError, TypeError) as exc:
        raise failure from exc
    passkey = db.session.scalar(sa.select(Passkey).where(Passkey.credential_id == credential_id))
    if passkey is None:
        raise failure
    rp_id, origin = relying_party()
    try:
        verified = verify_authentication_response(
            credential=data, expected_challenge=base64url_to_bytes(challenge), expected_rp_id=rp_id,
            expected_origin=origin, credential_public_key=passkey.public_key,
            credential_current_sign_count=passkey.sign_count, require_user_verification=True)
    except (InvalidAuthenticationResponse, ValueError, KeyError, TypeError) as exc:
        raise failure from exc
    user = db.session.get(User, passkey.user_id)
    if user is None or not user.active:
        raise failure
    passkey.sign_count, passkey.last_used_at = verified.new_sign_count, utcnow()
    return user


def delete_passkey(user: User, passkey: Passkey) -> None:
    """Remove one of the user's passkeys; staff keep at least one second factor."""
    remaining = [p for p in user.passkeys if p.id != passkey.id]
    if (current_app.config["STAFF_MFA_REQUIRED"] and user.mfa_expected
            and not remaining and not user.totp_secret):
        raise DomainError(_("Staff must keep a second factor. Set up an authenticator app first."))
    audit.record(user, "user.passkey_remove", "passkey", passkey.id, {"name": passkey.name})
    db.session.delete(passkey)
    db.session.flush()
    db.session.expire(user, ["passkeys"])
