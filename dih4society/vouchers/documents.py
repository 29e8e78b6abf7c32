"""The agreement PDF end to end (web route and ``flask report agreement``)."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from ..core.db import utcnow
from ..reports.calls_pdf import agreement_pdf as build
from ..reports.pdf import DocumentMeta
from .models import VoucherAgreement


def agreement_pdf(agreement: VoucherAgreement, now: datetime | None = None) -> bytes:
    """The agreement in the language its terms were frozen in."""
    config = current_app.config
    with force_locale(agreement.language):
        meta = DocumentMeta(hub_name=config["HUB_FULL_NAME"],
                            title=_("Voucher agreement %(ref)s", ref=agreement.terms.get("reference")),
                            generated_at=now or utcnow(), timezone=config["BABEL_DEFAULT_TIMEZONE"])
        return build(agreement.terms, agreement.content_hash, meta)
