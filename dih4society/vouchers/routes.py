"""The voucher agreement page: read, download, accept online or upload the signed copy,
check it (delivering partner's staff), extend the validity (managers).

Only the beneficiary's users, the delivering partner's staff, managers and admins see an
agreement; anyone else gets 404 (another organisation's agreement is not revealed).
"""

from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..applications import workflow
from ..applications.models import Application
from ..auth.models import Role
from ..core.audit import record_denied
from ..core.db import WRITE_ON_GET
from ..core.errors import DomainError, PermissionDenied
from ..core.forms import show_error
from ..extensions import db
from . import services
from .forms import AcceptForm, ActionForm, ExtendForm, SignedUploadForm

bp = Blueprint("vouchers", __name__, url_prefix="/vouchers")

# Viewing the agreement of a voucher approved before agreements existed generates it: these GETs
# may write, so on SQLite they begin IMMEDIATE (core/db.py).
WRITE_ON_GET.update({"vouchers.agreement", "vouchers.agreement_pdf"})


def can_see(user, application: Application) -> bool:
    return (workflow.is_member(user, application) or workflow.is_delivering_staff(user, application)
            or user.role in (Role.MANAGER, Role.ADMIN))


def _load(application_id: int):
    from ..applications.services import load_for_update

    application = (load_for_update(application_id) if request.method == "POST"
                   else db.session.get(Application, application_id))
    if application is None or not can_see(current_user, application):
        if application is not None:
            record_denied(current_user, request.endpoint or "?", "agreement not visible", "application",
                          application_id)
        abort(404)
    agreement = services.ensure_agreement(current_user, application)
    if agreement is None:
        abort(404)
    if request.method == "GET" and db.session.new:
        db.session.commit()  # generated now for a voucher approved before agreements existed
    return application, agreement


def _page(application, agreement, *, accept=None, upload=None, extend=None, status=200):
    form = accept or AcceptForm(prefix="accept", formdata=None)
    form.content_hash.data = agreement.content_hash
    return render_template(
        "vouchers/agreement.html", application=application, agreement=agreement, accept_form=form,
        upload_form=upload or SignedUploadForm(prefix="upload", formdata=None),
        check_form=ActionForm(prefix="check", formdata=None),
        extend_form=extend or ExtendForm(prefix="extend", formdata=None),
        can_accept=services.can_accept(current_user, application) and not agreement.accepted,
        can_check=services.can_check(current_user, application) and agreement.awaiting_check,
        can_extend=services.can_extend(current_user, agreement)), status


@bp.get("/<int:application_id>/agreement")
def agreement(application_id: int):
    application, agreement = _load(application_id)
    return _page(application, agreement)


@bp.get("/<int:application_id>/agreement.pdf")
def agreement_pdf(application_id: int):
    from .documents import agreement_pdf as build

    _application, agreement = _load(application_id)
    return send_file(io.BytesIO(build(agreement)), mimetype="application/pdf", as_attachment=True,
                     download_name=f"agreement-{agreement.terms.get('reference')}.pdf", max_age=0)


def _back(application_id: int):
    return redirect(url_for("vouchers.agreement", application_id=application_id))


@bp.post("/<int:application_id>/accept")
def accept(application_id: int):
    application, agreement = _load(application_id)
    form = AcceptForm(prefix="accept")
    if not form.validate_on_submit():
        return _page(application, agreement, accept=form, status=400)
    try:
        booked = services.accept_online(current_user, agreement, form.full_name.data, form.confirm.data,
                                        form.content_hash.data, request.remote_addr,
                                        request.headers.get("User-Agent"))
    except PermissionDenied as exc:
        record_denied(current_user, "agreement.accept", exc.message, "application", application_id)
        abort(403)
    except DomainError as exc:
        db.session.rollback()
        application, agreement = _load(application_id)
        show_error(form, exc)
        return _page(application, agreement, accept=form, status=400)
    db.session.commit()
    flash(_("Agreement accepted; the partner can start the delivery.") if booked
          else _("The agreement was already accepted."), "success" if booked else "info")
    return _back(application_id)


@bp.post("/<int:application_id>/upload")
def upload(application_id: int):
    application, agreement = _load(application_id)
    form = SignedUploadForm(prefix="upload")
    if not form.validate_on_submit():
        return _page(application, agreement, upload=form, status=400)
    try:
        services.upload_signed(current_user, agreement, form.file.data.stream)
    except PermissionDenied as exc:
        record_denied(current_user, "agreement.upload", exc.message, "application", application_id)
        abort(403)
    except DomainError as exc:
        db.session.rollback()
        application, agreement = _load(application_id)
        show_error(form, exc)
        return _page(application, agreement, upload=form, status=400)
    db.session.commit()
    flash(_("Signed agreement uploaded; the delivering partner will check it."), "success")
    return _back(application_id)


@bp.get("/<int:application_id>/signed.pdf")
def signed(application_id: int):
    _application, agreement = _load(application_id)
    if agreement.signed_stored_name is None:
        abort(404)
    path = services.upload_dir() / agreement.signed_stored_name
    if not path.is_file():
        abort(404)
    return send_file(io.BytesIO(path.read_bytes()), mimetype="application/pdf", as_attachment=True,
                     download_name=f"agreement-{agreement.terms.get('reference')}-signed.pdf", max_age=0)


@bp.post("/<int:application_id>/check")
def check(application_id: int):
    _application, agreement = _load(application_id)
    if not ActionForm(prefix="check").validate_on_submit():
        return _back(application_id)
    try:
        booked = services.check_signed(current_user, agreement)
    except PermissionDenied as exc:
        record_denied(current_user, "agreement.check", exc.message, "application", application_id)
        abort(403)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "warning")
        return _back(application_id)
    db.session.commit()
    flash(_("Signed agreement checked: accepted.") if booked else _("The agreement was already accepted."),
          "success")
    return _back(application_id)


@bp.post("/<int:application_id>/extend")
def extend(application_id: int):
    application, agreement = _load(application_id)
    form = ExtendForm(prefix="extend")
    if current_user.role is not Role.MANAGER:
        record_denied(current_user, "agreement.extend", "role", "application", application_id)
        abort(403)
    if not form.validate_on_submit():
        return _page(application, agreement, extend=form, status=400)
    try:
        services.extend(current_user, agreement, form.reason.data)
    except DomainError as exc:
        db.session.rollback()
        application, agreement = _load(application_id)
        show_error(form, exc)
        return _page(application, agreement, extend=form, status=400)
    db.session.commit()
    flash(_("Validity extended."), "success")
    return _back(application_id)
