"""Money rounding, pinned with literal values.

Every amount here is chosen so that the exact result lands on half a cent (or just
below it): a change from round-half-up to truncation, to banker's rounding or to
floor division changes at least one expected figure. The expectations are written
out by hand, never computed with the code under test. (The aid amount and the
co-payment have their own tests with the aid rule.)
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from budget.helpers import EUR, approve, make_application
from factories import make_org

from dih4society.budget import queries
from dih4society.budget import services as budget
from dih4society.budget.models import BudgetAccount
from dih4society.budget.queries import Totals
from dih4society.catalogue.models import Category, Partner, Service
from dih4society.core.money import share_of
from dih4society.extensions import db


@pytest.mark.parametrize(("cents", "percent", "expected"), [
    (1, 50, 1),  # 0.5 cent -> 1
    (3, 50, 2),  # 1.5 -> 2
    (12_345, 50, 6_173),  # 6,172.5 -> 6,173
    (12_344, 50, 6_172),  # exact
    (1_001, 50, 501),  # 500.5 -> 501
    (50, 1, 1),  # 0.5 -> 1
    (49, 1, 0),  # 0.49 -> 0
    (150, 3, 5),  # 4.5 -> 5
    (2_345, 10, 235),  # 234.5 -> 235
    (2_344, 10, 234),  # 234.4 -> 234
    (1_005, 30, 302),  # 301.5 -> 302
    (25, 50, 13),  # 12.5 -> 13 (banker's rounding would give 12)
    (400_000_005, 50, 200_000_003),  # 200,000,002.5 -> 200,000,003
    (12_345, 100, 12_345),
    (12_345, 0, 0),
])
def test_share_of_rounds_an_exact_half_cent_up(cents, percent, expected):
    """`share_of(cents, p)` is p % of the amount rounded to the cent, half a cent upwards
    (ROUND_HALF_UP): 0.5 -> 1, 12.5 -> 13, 0.49 -> 0."""
    assert share_of(cents, percent) == expected


def test_eu_and_national_split_rounds_the_eu_share_half_up_and_gives_national_the_rest(ctx):
    """Funding split of every figure: EU = figure × EU % rounded half-up to the cent;
    national = figure − EU (so the two always add up to the figure, to the cent)."""
    t = Totals(envelope=400_000_005, eu_share_percent=50, allocated=0, reserve=0, committed=1_001, spent=12_345)
    eu, national = queries.funding_split(t)
    assert (eu.key, national.key) == ("eu", "national")
    assert (eu.allocated, eu.committed, eu.spent) == (200_000_003, 501, 6_173)
    assert (national.allocated, national.committed, national.spent) == (200_000_002, 500, 6_172)

    t = Totals(envelope=1_005, eu_share_percent=30, allocated=0, reserve=0, committed=15, spent=5)
    eu, national = queries.funding_split(t)
    assert (eu.allocated, eu.committed, eu.spent) == (302, 5, 2)  # 301.5, 4.5, 1.5
    assert (national.allocated, national.committed, national.spent) == (703, 10, 3)


def test_dashboard_funding_table_shows_the_half_cent_split(app, seeded, login_as):
    """The same rule on the manager's page: an envelope of €4,000,000.05 at 50 % is
    €2,000,000.03 EU and €2,000,000.02 national; €1,000.01 committed is €500.01 EU and
    €500.00 national."""
    from dih4society.auth.models import User

    with app.app_context():
        admin = db.session.scalar(sa.select(User).where(User.email == "admin@dih4society.example"))
        budget.set_envelope(admin, 400_000_005, 50)
        partner = db.session.scalar(sa.select(Partner).where(Partner.code == "UTCN"))
        service = db.session.scalar(sa.select(Service).where(
            Service.partner_id == partner.id, Service.category == Category.TEST_BEFORE_INVEST).limit(1))
        application = make_application(make_org(), service, 100_001)
        approve(admin, application, 100_001)
        db.session.commit()
    html = login_as("manager").get("/budget/").get_data(as_text=True)
    section = html[html.index('id="funding-heading"'):]
    section = section[:section.index("</section>")]
    rows = {m.group(1): m.group(2) for m in re.finditer(
        r'<th scope="row" class="fw-normal">([^<]+)</th>(.*?)</tr>', section, re.S)}
    eu = re.findall(r"€[\d,]+\.\d\d", rows["EU (Digital Europe Programme)"])
    national = re.findall(r"€[\d,]+\.\d\d", rows["National co-financing"])
    # envelope share, committed, spent, not yet used
    assert eu == ["€2,000,000.03", "€500.01", "€0.00", "€1,999,500.02"]
    assert national == ["€2,000,000.02", "€500.00", "€0.00", "€1,999,500.02"]


def test_a_partners_allocation_is_split_over_its_categories_to_the_cent(ctx):
    """Demo set-up: each partner's allocation is divided equally over its categories,
    rounded down to the cent; the last category (in category order) takes the remainder,
    so the accounts add up to the partner's total exactly. UTCN's €1,300,000 over three
    categories is €433,333.33 + €433,333.33 + €433,333.34."""
    from dih4society.demo import seed_base

    seed_base("correct-horse-battery-9")
    rows = db.session.execute(
        sa.select(Partner.code, BudgetAccount.category, BudgetAccount.allocated_cents)
        .join(BudgetAccount, BudgetAccount.partner_id == Partner.id)).all()
    by_partner: dict[str, dict[str, int]] = {}
    for code, category, cents in rows:
        by_partner.setdefault(code, {})[category.value] = cents
    assert by_partner["UTCN"] == {"ecosystem_networking": 43_333_333, "skills_training": 43_333_333,
                                  "test_before_invest": 43_333_334}
    assert by_partner["CLUJIT"] == {"ecosystem_networking": 27_500_000, "investment_support": 27_500_000,
                                    "skills_training": 27_500_000, "test_before_invest": 27_500_000}
    assert by_partner["UO"] == {"skills_training": 40_000_000, "test_before_invest": 40_000_000}
    assert by_partner["CCIBN"] == {"ecosystem_networking": 30_000_000, "investment_support": 30_000_000}
    reserve = budget.reserve_account()
    assert reserve.allocated_cents == 4_000_000 * EUR - (1_300_000 + 1_100_000 + 800_000 + 600_000) * EUR
