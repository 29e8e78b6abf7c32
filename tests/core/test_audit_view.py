"""The audit log page: readable lines with money and names, raw JSON behind a toggle."""

import sqlalchemy as sa
from conftest import login

from dih4society.auth.models import User
from dih4society.budget.models import BudgetAccount
from dih4society.core import audit
from dih4society.extensions import db


def test_audit_events_read_as_lines_with_money_and_names(app, client, seeded):
    with app.app_context():
        source, target = db.session.scalars(sa.select(BudgetAccount).order_by(BudgetAccount.id).limit(2)).all()
        admin = db.session.get(User, seeded["admin"])
        audit.record(admin, "budget.transfer", "budget_account", target.id,
                     {"from": source.id, "to": target.id, "amount_cents": 1_800_000, "note": "top-up"})
        db.session.commit()
        source_name, target_name = source.name, target.name
    login(client, "admin")
    html = client.get("/admin/audit?object_type=budget_account").get_data(as_text=True)
    row = html.split("budget.transfer", 1)[1].split("</tr>", 1)[0]
    assert "18,000.00" in row and source_name in row and target_name in row
    assert "Raw data (JSON)" in row and "1800000" in row  # the raw JSON is still there, folded
    assert '<select id="filter-object-type" name="object_type"' in html
    assert '<option value="budget_account" selected>' in html
    # An unknown object type is ignored, not an error.
    assert client.get("/admin/audit?object_type=nonsense").status_code == 200
