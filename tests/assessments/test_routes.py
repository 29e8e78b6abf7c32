"""DMA pages through the test client: fill, save, submit, result, PDF, who may not, bad input."""

from __future__ import annotations

import re

import sqlalchemy as sa
from applications.builders import FORM, as_user, service_id
from factories import make_org, make_user

from dih4society.applications.models import Application, AppState
from dih4society.assessments import questionnaire as qn
from dih4society.assessments import scoring
from dih4society.assessments.models import Assessment
from dih4society.auth.models import Role
from dih4society.extensions import db
from dih4society.organisations.models import OrgKind

from .conftest import form_data, full_answers


def fresh_applicant(app, kind=OrgKind.SME) -> tuple[str, int]:
    """Email and organisation id of an applicant whose organisation has no assessment."""
    with app.app_context():
        user = make_user(Role.APPLICANT, org=make_org(kind, t0=False))
        db.session.commit()
        return user.email, user.organisation_id


def start(client) -> int:
    response = client.post("/assessments/start")
    assert response.status_code == 302
    return int(re.search(r"/assessments/(\d+)$", response.headers["Location"]).group(1))


def stored(app, assessment_id: int) -> Assessment:
    with app.app_context():
        a = db.session.get(Assessment, assessment_id)
        db.session.expunge(a)
        return a


def test_applicant_fills_over_two_sittings_submits_and_sees_the_result(app, seeded):
    email, _org = fresh_applicant(app)
    client = as_user(app, email)
    page = client.get("/assessments/")
    assert b"Start the assessment (T0)" in page.data
    aid = start(client)
    page = client.get(f"/assessments/{aid}")
    assert b"0 of 11 questions answered" in page.data
    assert "Strategia digitală".encode() not in page.data  # English page, Romanian kept in the data
    answers = full_answers()
    part = {k: answers[k] for k in ("S1", "S2", "S3")}
    response = client.post(f"/assessments/{aid}", data=form_data(part))
    assert response.status_code == 302
    assert b"3 of 11 questions answered" in client.get(f"/assessments/{aid}").data
    # Submitting too early keeps the answers and says what is missing.
    response = client.post(f"/assessments/{aid}", data=form_data(part, action="submit"))
    assert response.status_code == 200 and b"still open: S4" in response.data
    assert stored(app, aid).status == "draft"
    # Posted scores are ignored: the server computes them from the answers.
    data = form_data(answers, action="submit") | {"overall": "100", "D1": "100"}
    response = client.post(f"/assessments/{aid}", data=data)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/assessments/{aid}/result")
    a = stored(app, aid)
    expected = scoring.score(qn.current("sme"), a.answers)
    assert a.status == "submitted" and a.overall == float(expected.overall) and a.overall != 100
    result = client.get(f"/assessments/{aid}/result")
    assert result.status_code == 200
    assert b'id="dma-radar"' in result.data and b"<polygon" in result.data
    assert f"{expected.overall:.1f}".encode() in result.data
    pdf = client.get(f"/assessments/{aid}/result.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    # Read-only afterwards: the form page redirects, a post changes nothing.
    assert client.get(f"/assessments/{aid}").status_code == 302
    response = client.post(f"/assessments/{aid}", data=form_data(full_answers(seed=9)))
    assert response.status_code == 302
    assert stored(app, aid).answers == a.answers


def test_bad_input_is_refused_with_a_message_and_nothing_stored(app, seeded):
    email, _org = fresh_applicant(app)
    client = as_user(app, email)
    aid = start(client)
    client.post(f"/assessments/{aid}", data=form_data({"S3": ["website"]}))
    for bad in ({"q-S3": "hacked"}, {"q-P1": "needs"}, {"q-S4-twins": "9"}, {"q-S4-nope": "1"},
                {"q-S3": ["none", "website"]}, {"q-S99": "x"}, {"version": "1999.1"}, {"variant": "pso"}):
        data = form_data({"S2": ["needs"]}) | bad
        response = client.post(f"/assessments/{aid}", data=data)
        assert response.status_code == 400, bad
        assert b"refused" in response.data or b"another questionnaire" in response.data, bad
        assert stored(app, aid).answers == {"S3": ["website"]}, bad


def test_another_organisations_assessment_is_404_and_staff_cannot_answer(app, seeded):
    email, org_id = fresh_applicant(app)
    client = as_user(app, email)
    aid = start(client)
    other = as_user(app, "applicant")
    for path in (f"/assessments/{aid}", f"/assessments/{aid}/result", f"/assessments/{aid}/result.pdf"):
        assert other.get(path).status_code == 404
    assert other.post(f"/assessments/{aid}", data=form_data({"S3": ["website"]})).status_code == 404
    staff = as_user(app, "partner")
    assert staff.get(f"/assessments/{aid}").status_code == 200  # may read
    assert staff.post(f"/assessments/{aid}", data=form_data({"S3": ["website"]})).status_code == 403
    assert stored(app, aid).answers == {}


def test_staff_run_an_assisted_interview(app, seeded):
    email, org_id = fresh_applicant(app)
    staff = as_user(app, "partner")
    response = staff.post(f"/assessments/organisations/{org_id}/assist")
    aid = int(response.headers["Location"].rsplit("/", 1)[1])
    assert b"assisted interview with" in staff.get(f"/assessments/{aid}").data
    staff.post(f"/assessments/{aid}", data=form_data(full_answers(), action="submit"))
    a = stored(app, aid)
    assert a.status == "submitted" and a.assisted_by_id == seeded["partner"]


def test_first_application_needs_t0_then_page_and_checklist_show_it(app, seeded):
    email, org_id = fresh_applicant(app)
    client = as_user(app, email)
    sid = service_id(app)
    response = client.post(f"/applications/new?service_id={sid}", data=FORM | {"submit": "y"})
    assert response.status_code == 200 and b"self-assessment (T0)" in response.data
    with app.app_context():  # nothing stored: the refused submission rolled back
        assert db.session.scalar(sa.select(sa.func.count(Application.id)).where(
            Application.organisation_id == org_id)) == 0
    assert client.post(f"/applications/new?service_id={sid}", data=FORM).status_code == 302  # a draft
    with app.app_context():
        draft_id = db.session.scalar(sa.select(Application.id).where(Application.organisation_id == org_id))
    page = client.get(f"/applications/{draft_id}")
    assert b'id="dma-needed"' in page.data
    aid = start(client)
    client.post(f"/assessments/{aid}", data=form_data(full_answers(maturity=0.3), action="submit"))
    response = client.post(f"/applications/{draft_id}/submit")
    assert response.status_code == 302
    staff = as_user(app, "manager")
    page = staff.get(f"/applications/{draft_id}").data.decode()
    assert 'id="dma-t0-overall"' in page and 'id="dma-weakest"' in page
    assert "Digital maturity (T0)" in page and "weakest:" in page  # the eligibility checklist line


def test_waiver_form(app, seeded):
    email, org_id = fresh_applicant(app)
    staff = as_user(app, "partner")
    response = staff.post(f"/assessments/organisations/{org_id}/waive", data={"waiver-reason": ""})
    assert response.status_code == 400
    response = staff.post(f"/assessments/organisations/{org_id}/waive",
                          data={"waiver-reason": "Assessed on paper at the demo day."})
    assert response.status_code == 302
    assert b"T0 waived by" in staff.get(f"/assessments/organisations/{org_id}").data
    applicant = as_user(app, email)
    sid = service_id(app)
    response = applicant.post(f"/applications/new?service_id={sid}", data=FORM | {"submit": "y"})
    assert response.status_code == 302


def test_satisfaction_form_once_from_the_application_page(app, seeded):
    from applications.builders import build, make_cast

    with app.app_context():
        cast = make_cast()
        app_id = build(cast, AppState.CLOSED).id
        db.session.commit()
    client = as_user(app, "applicant")
    page = client.get(f"/applications/{app_id}")
    assert b'id="rate-service"' in page.data
    assert client.post(f"/assessments/satisfaction/{app_id}", data={"sat-score": "11",
                                                                    "sat-would_recommend": "yes"}).status_code == 200
    response = client.post(f"/assessments/satisfaction/{app_id}",
                           data={"sat-score": "8", "sat-would_recommend": "yes", "sat-comment": "Good."})
    assert response.status_code == 302
    response = client.post(f"/assessments/satisfaction/{app_id}",
                           data={"sat-score": "2", "sat-would_recommend": "no"})
    assert response.status_code == 302
    assert b"Rated 8 / 10" in client.get(f"/applications/{app_id}").data
    # Partner staff see their services' averages; another partner's staff does not see them.
    utcn = as_user(app, "partner").get("/assessments/impact").data
    assert b"TBI-ROB-01" in utcn
    assert b"TBI-ROB-01" not in as_user(app, "partner.clujit").get("/assessments/impact").data
    assert b"TBI-ROB-01" in as_user(app, "manager").get("/assessments/impact").data


def test_the_questionnaire_speaks_romanian(app, seeded):
    email, _org = fresh_applicant(app, OrgKind.PUBLIC_INSTITUTION)
    client = as_user(app, email)
    aid = start(client)
    client.post("/language", data={"lang": "ro"})
    page = client.get(f"/assessments/{aid}").data.decode()
    assert "Strategia și investițiile digitale" in page  # PSO D1, in Romanian
    assert "Interoperabilitate" in page and "Planificat" in page
    assert "Digital strategy and investments" not in page
