"""The catalogue: browse and filter; admins manage services."""

import sqlalchemy as sa
from conftest import login

from dih4society.catalogue.models import Category, Partner, Service
from dih4society.core.models import AuditEvent
from dih4society.extensions import db


def test_demo_catalogue_covers_four_categories(ctx, seeded):
    services = db.session.scalars(sa.select(Service)).all()
    assert len(services) >= 12
    assert {s.category for s in services} == set(Category)


def test_browse_and_filter(client, seeded):
    login(client, "applicant")
    text = client.get("/catalogue/").get_data(as_text=True)
    assert "Collaborative robot cell trial" in text and "Industry 4.0 demo day" in text
    text = client.get("/catalogue/?category=skills_training").get_data(as_text=True)
    assert "Cybersecurity awareness training" in text and "Collaborative robot cell trial" not in text
    text = client.get("/catalogue/?q=robot").get_data(as_text=True)
    assert "Robot programming course" in text and "Industry 4.0 demo day" not in text
    text = client.get("/catalogue/?kind=public_institution").get_data(as_text=True)
    assert "Digital skills for public servants" in text and "Robot programming course" not in text
    # Nonsense filters are ignored, not a 500.
    assert client.get("/catalogue/?category=bogus&partner=x&page=-3").status_code == 200


def test_admin_creates_and_edits_service_with_audit(app, client, seeded):
    login(client, "admin")
    with app.app_context():
        partner_id = db.session.scalar(sa.select(Partner.id).where(Partner.code == "UO"))
    data = {"code": "TBI-3D-01", "name_en": "3D printing trial", "description_en": "Prototype parts.",
            "category": "test_before_invest", "partner_id": partner_id, "market_value": "9500.50",
            "co_payment_percent": "0", "legal_basis": "gber_28", "eligible_kinds": ["sme", "small_midcap"],
            "active": "y"}
    response = client.post("/catalogue/new", data=data, follow_redirects=True)
    assert b"saved" in response.data
    with app.app_context():
        service = db.session.scalar(sa.select(Service).where(Service.code == "TBI-3D-01"))
        assert service.market_value_cents == 950_050 and service.eligible_kinds == "small_midcap,sme"
        sid = service.id
    client.post(f"/catalogue/{sid}/edit", data={**data, "market_value": "10000"})
    with app.app_context():
        assert db.session.get(Service, sid).market_value_cents == 1_000_000
        event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.verb == "service.update")).one()
        assert event.data["before"]["market_value_cents"] == 950_050


def test_service_form_refuses_bad_input(app, client, seeded):
    login(client, "admin")
    with app.app_context():
        partner_id = db.session.scalar(sa.select(Partner.id))
        before = db.session.scalar(sa.select(sa.func.count(Service.id)))
    bad = {"code": "TBI-ROB-01", "name_en": "Dup", "category": "test_before_invest", "partner_id": partner_id,
           "market_value": "100", "co_payment_percent": "0", "legal_basis": "gber_28", "eligible_kinds": ["sme"]}
    assert b"Another service has this code" in client.post("/catalogue/new", data=bad).data
    assert b"The co-payment is a whole percentage from 0 to 99." in client.post("/catalogue/new", data={**bad, "code": "NEW-1", "co_payment_percent": "100"}).data
    assert b"Choose at least one kind" in client.post("/catalogue/new", data={**bad, "code": "NEW-2", "eligible_kinds": []}).data
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Service.id))) == before


def test_inactive_service_hidden_from_applicants(app, client, seeded):
    with app.app_context():
        service = db.session.scalar(sa.select(Service).where(Service.code == "NET-EVT-01"))
        service.active = False
        db.session.commit()
        sid = service.id
    login(client, "applicant")
    assert b"Industry 4.0 demo day" not in client.get("/catalogue/").data
    assert client.get(f"/catalogue/{sid}").status_code == 404


def test_visitors_browse_the_catalogue_read_only(app, client, seeded):
    with app.app_context():
        service = db.session.scalar(sa.select(Service).where(Service.code == "NET-EVT-01"))
        sid = service.id
        inactive = db.session.scalar(sa.select(Service).where(Service.code != "NET-EVT-01"))
        inactive.active = False
        db.session.commit()
        inactive_id, inactive_name = inactive.id, inactive.name
    text = client.get("/catalogue/").get_data(as_text=True)
    assert "Industry 4.0 demo day" in text and inactive_name not in text
    text = client.get(f"/catalogue/{sid}").get_data(as_text=True)
    assert "Industry 4.0 demo day" in text and "Log in to apply" in text
    assert f"/applications/new?service_id={sid}" not in text
    assert client.get(f"/catalogue/{inactive_id}").status_code == 404
    # Applying still needs an account.
    response = client.get(f"/applications/new?service_id={sid}")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert client.get(f"/catalogue/{sid}/edit").status_code == 302


def test_catalogue_content_follows_the_reader_language_with_fallback(app, client, seeded):
    login(client, "admin")
    with app.app_context():
        partner_id = db.session.scalar(sa.select(Partner.id).where(Partner.code == "UO"))
    data = {"code": "TBI-3D-02", "name_en": "3D printing trial", "name_ro": "Testare imprimare 3D",
            "description_en": "Prototype parts.", "description_ro": "",
            "category": "test_before_invest", "partner_id": partner_id, "market_value": "9500.50",
            "co_payment_percent": "0", "legal_basis": "gber_28", "eligible_kinds": ["sme"], "active": "y"}
    assert b"saved" in client.post("/catalogue/new", data=data, follow_redirects=True).data
    with app.app_context():
        sid = db.session.scalar(sa.select(Service.id).where(Service.code == "TBI-3D-02"))
    english = client.get(f"/catalogue/{sid}").get_data(as_text=True)
    assert "3D printing trial" in english and "Testare imprimare 3D" not in english
    client.post("/language", data={"lang": "ro"})
    romanian = client.get(f"/catalogue/{sid}").get_data(as_text=True)
    assert "Testare imprimare 3D" in romanian and "Prototype parts." in romanian  # no Romanian text: fallback
    # Search and order in SQL use the reader's language too.
    assert "Testare imprimare 3D" in client.get("/catalogue/?q=imprimare").get_data(as_text=True)
    # The edit form shows each language in its own field, whatever the interface language.
    form = client.get(f"/catalogue/{sid}/edit").get_data(as_text=True)
    assert 'value="3D printing trial"' in form and 'value="Testare imprimare 3D"' in form
