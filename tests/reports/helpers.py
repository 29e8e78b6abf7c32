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
