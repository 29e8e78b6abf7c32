"""Helpers of the reports tests: PDF text, and the ledger totals computed independently."""

from __future__ import annotations

import io

import sqlalchemy as sa
from pypdf import PdfReader

from dih4society.extensions import db


def pdf_text(content: bytes) -> list[str]:
    """The text of each page (pypdf)."""
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def ledger_reference() -> dict[str, int]:
    """The totals computed here, independently, from the ledger entries: SUM by kind
    (and, for allocations, by whether the account is the reserve)."""
    rows = db.session.execute(sa.text(
        "SELECT l.kind, a.is_reserve, SUM(l.amount_cents) FROM ledger_entries l "
        "JOIN budget_accounts a ON a.id = l.account_id GROUP BY l.kind, a.is_reserve")).all()
    sums: dict[tuple[str, bool], int] = {(kind, bool(reserve)): int(total) for kind, reserve, total in rows}

    def kind(name: str) -> int:
        return sum(v for (k, _r), v in sums.items() if k == name)

    committed = kind("commit") - kind("release") - kind("spend")
    spent = kind("spend")
    envelope = kind("allocate")
    in_accounts = sums.get(("allocate", False), 0)
    return {"envelope": envelope, "allocated": in_accounts, "reserve": sums.get(("allocate", True), 0),
            "committed": committed, "spent": spent, "available": in_accounts - committed - spent,
            "uncommitted": envelope - committed - spent}


def partner_ledger_reference(partner_id: int) -> dict[str, int]:
    """One partner's totals, computed here from the ledger entries of its accounts, and
    its pipeline (requested amounts of submitted and in-review applications)."""
    rows = dict(db.session.execute(sa.text(
        "SELECT l.kind, SUM(l.amount_cents) FROM ledger_entries l "
        "JOIN budget_accounts a ON a.id = l.account_id WHERE a.partner_id = :p GROUP BY l.kind"),
        {"p": partner_id}).all())
    kind = lambda name: int(rows.get(name) or 0)  # noqa: E731
    allocated = kind("allocate")
    committed = kind("commit") - kind("release") - kind("spend")
    spent = kind("spend")
    count, requested = db.session.execute(sa.text(
        "SELECT COUNT(*), COALESCE(SUM(a.requested_cents), 0) FROM applications a "
        "JOIN services s ON s.id = a.service_id "
        "WHERE s.partner_id = :p AND a.state IN ('submitted', 'in_review')"), {"p": partner_id}).one()
    lines = db.session.scalar(sa.text(
        "SELECT COUNT(*) FROM ledger_entries l JOIN budget_accounts a ON a.id = l.account_id "
        "WHERE a.partner_id = :p"), {"p": partner_id})
    return {"allocated": allocated, "committed": committed, "spent": spent,
            "available": allocated - committed - spent, "pipeline": int(requested),
            "pipeline_count": int(count), "ledger_lines": int(lines)}
