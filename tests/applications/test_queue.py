"""The review queue: filters, counts per state, pagination, and a query count that does not grow."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from applications.builders import S, as_user, build, make_cast, other_org_applicant, service

from dih4society.applications.models import Application
from dih4society.core.db import utcnow
from dih4society.extensions import db
from dih4society.organisations.models import OrgKind
from dih4society.reviews import services as reviews


def refs(page: bytes) -> set[str]:
    return set(re.findall(r"DIH-\d{4}-\d{6}", page.decode()))


def reference(app, application_id: int) -> str:
    with app.app_context():
        return db.session.get(Application, application_id).reference


def test_the_queue_shows_every_submitted_application_with_counts(app, world):
    page = as_user(app, "manager").get("/applications/queue")
    assert page.status_code == 200
    html = page.data.decode()
    assert reference(app, world["submitted"]) in html and reference(app, world["b_approved"]) in html
    assert f'data-state="{S.DRAFT.value}"' not in html  # drafts are never in the queue
    count = re.search(r'data-state="approved">[^<]*<span class="badge[^"]*">(\d+)', html)
    assert count and int(count.group(1)) == 2  # one of A's, one of B's


@pytest.mark.parametrize("query, expected, unexpected", [
    ("state=in_review", ["in_review"], ["submitted", "b_submitted"]),
    ("category=test_before_invest&state=approved", ["approved", "b_approved"], ["submitted"]),
    ("partner={clujit}", ["b_submitted", "b_approved"], ["submitted", "approved"]),
    ("county=BH", ["b_submitted"], ["submitted"]),
    ("county=CJ&state=submitted", ["submitted"], ["b_submitted"]),
    ("kind=health_org", ["b_delivered"], ["delivered"]),
    ("kind=sme&state=closed", ["closed"], ["b_delivered"]),
])
def test_filters(app, world, query, expected, unexpected):
    with app.app_context():
        clujit = service("TBI-CYB-01").partner_id
    found = refs(as_user(app, "manager").get(f"/applications/queue?{query.format(clujit=clujit)}").data)
    for key in expected:
        assert reference(app, world[key]) in found, (query, key)
    for key in unexpected:
        assert reference(app, world[key]) not in found, (query, key)


def test_submitted_between(app, world):
    with app.app_context():
        old = db.session.get(Application, world["submitted"])
        old.submitted_at = utcnow() - timedelta(days=40)
        db.session.commit()
    today = utcnow().date()
    client = as_user(app, "manager")
    recent = refs(client.get(f"/applications/queue?from={(today - timedelta(days=7)).isoformat()}").data)
    assert reference(app, world["submitted"]) not in recent and reference(app, world["approved"]) in recent
    older = refs(client.get(f"/applications/queue?to={(today - timedelta(days=30)).isoformat()}").data)
    assert older == {reference(app, world["submitted"])}
    # Nonsense filters are ignored rather than failing.
    assert client.get("/applications/queue?from=yesterday&state=bogus&county=XX&kind=1").status_code == 200


def test_a_conflicted_reviewer_no_longer_sees_the_application(app, world):
    with app.app_context():
        from applications.builders import demo_user

        reviews.declare_conflict(demo_user("partner.uo"), db.session.get(Application, world["submitted"]),
                                 "Related to the owner.")
        db.session.commit()
    assert reference(app, world["submitted"]) not in refs(as_user(app, "partner.uo").get("/applications/queue").data)
    assert reference(app, world["submitted"]) in refs(as_user(app, "partner").get("/applications/queue").data)


def test_pagination_keeps_the_filters(app, seeded):
    app.config["PAGE_SIZE"] = 3
    with app.app_context():
        cast = make_cast()
        for _ in range(7):
            build(cast, S.SUBMITTED)
        db.session.commit()
    client = as_user(app, "manager")
    first = client.get("/applications/queue?state=submitted&kind=sme")
    html = first.data.decode()
    assert len(refs(first.data)) == 3
    assert "Page 1 of 3" in html
    assert "page=2" in html and "state=submitted" in html and "kind=sme" in html
    third = client.get("/applications/queue?state=submitted&kind=sme&page=3")
    assert len(refs(third.data)) == 1


def _count_queries(app, client, path: str) -> int:
    with app.app_context():
        engine = db.engine
    statements = []

    def _record(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", _record)
    try:
        assert client.get(path).status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", _record)
    return len(statements)


@pytest.mark.parametrize("path", ["/applications/queue", "/applications/mine"])
def test_query_count_does_not_grow_with_rows(app, seeded, path):
    who = "manager" if "queue" in path else "applicant"
    with app.app_context():
        cast = make_cast()
        for _ in range(2):
            build(cast, S.SUBMITTED)
        db.session.commit()
    client = as_user(app, who)
    few = _count_queries(app, client, path)
    with app.app_context():
        cast = make_cast()
        others = [other_org_applicant() for _ in range(3)]
        for i in range(12):
            build(cast, S.SUBMITTED if i % 2 else S.APPROVED)
        for applicant in others:  # more organisations, services, partners to load
            build(cast, S.SUBMITTED, applicant=applicant, svc=service("TBI-CYB-01"), requested_cents=900_000)
        db.session.commit()
    many = _count_queries(app, client, path)
    assert many == few, (few, many)


def test_organisation_kind_filter_lists_kinds(app, world):
    html = as_user(app, "manager").get("/applications/queue").data.decode()
    for kind in OrgKind:
        assert f'value="{kind.value}"' in html


def test_next_pages_follow_the_keyset_and_match_the_numbered_pages(app, seeded):
    """"Next" carries the last row's (submitted_at, id): the page it gives is the same
    as the numbered page, and walking every page lists every application once."""
    app.config["PAGE_SIZE"] = 3
    with app.app_context():
        cast = make_cast()
        for _ in range(8):
            build(cast, S.SUBMITTED)
        db.session.commit()
    client = as_user(app, "manager")
    numbered = [refs(client.get(f"/applications/queue?page={n}").data) for n in (1, 2, 3)]
    walked, url = [], "/applications/queue"
    while url:
        html = client.get(url).data.decode()
        walked.append(refs(html.encode()))
        found = re.search(r'href="([^"]+)" rel="next"', html)
        url = found.group(1).replace("&amp;", "&") if found else None
        assert url is None or "after=" in url
    assert walked == numbered
    assert len({r for page in walked for r in page}) == 8
    assert client.get("/applications/queue?page=2&after=bogus").status_code == 200  # falls back to the offset


def test_the_cached_queue_follows_every_commit_and_the_viewers_rights(app, seeded):
    """The queue's content is cached per change mark (issue 13): a new submission shows at
    once, and a new approver right changes the tab without any application changing."""
    from applications.builders import demo_user

    client = as_user(app, "partner")
    first = client.get("/applications/queue").data
    assert client.get("/applications/queue").data.count(b"DIH-") == first.count(b"DIH-")  # served cached
    with app.app_context():
        new = build(make_cast(), S.SUBMITTED)
        db.session.commit()
        ref = new.reference
    assert ref not in first.decode() and ref in client.get("/applications/queue").data.decode()
    with app.app_context():
        partner = demo_user("partner")
        was = partner.is_approver
        partner.is_approver = not was
        db.session.commit()
    label = {True: "Waiting for my decision", False: "Waiting for my review"}
    html = client.get("/applications/queue").data.decode()
    assert label[not was] in html and label[was] not in html
