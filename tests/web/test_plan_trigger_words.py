"""Why a plan was computed reads in the vetter's language on the plan page: the trigger is stored as
a fact (domain.messages.TRIGGERS) by the service that asked for the run, carried through the job
(with Redis, the queued job's own arguments), and worded when the page is shown. A plan after a
lead approval, after a request posted, after two approvals committed together, a failed run, and
a sentence stored before facts (quoted as written)."""
from __future__ import annotations

import html
import re

import pytest

from marketplace.domain.messages import trigger_fact
from marketplace.extensions import db
from marketplace.models import MatchPlan, User
from marketplace.services import planning, vetting
from tests.conftest import REDIS_URL, approve, login, make_lead, make_request, make_user


def _text(response) -> str:
    assert response.status_code == 200
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", response.get_data(as_text=True), flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def _run_queued_plan() -> None:
    """What a worker does with the queued matching run (with Redis a commit only queues it; the
    embedded default ran it after the commit): its function with its own (JSON) arguments, and the
    job's record gone, as RQ leaves a job that succeeded with no result kept."""
    if not REDIS_URL:
        return
    from marketplace.jobs.queue import tasks_queue
    from marketplace.jobs.tasks import run_matching_job

    job = tasks_queue().fetch_job("run-matching")
    assert job is not None, "the commit queued no matching run"
    run_matching_job(*job.args)
    job.delete()


@pytest.fixture
def world(clean_app):
    """A verified buyer, a supplier and a vetter; the vetter's page reader in Spanish and in English."""
    with clean_app.app_context():
        buyer = make_user("buyer", "desk@trigger-hospital.example", verified=True)
        supplier = make_user("supplier", "sales@trigger-supplier.example")
        make_user("vetter", "vetter@city.example")
        ids = {"buyer": buyer.id, "supplier": supplier.id}
        db.session.remove()
    spanish, english = clean_app.test_client(), clean_app.test_client()
    spanish.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es"
    english.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    for client in (spanish, english):
        login(client, "vetter@city.example")
    return clean_app, ids, spanish, english


def test_a_plan_after_a_request_posted_says_so_in_spanish(world):
    app, ids, spanish, english = world
    with app.app_context():
        request_id = make_request(db.session.get(User, ids["buyer"])).id
        _run_queued_plan()
        db.session.remove()
    text = _text(spanish.get("/staff/matching"))
    assert f"(solicitud #{request_id} publicada)" in text, text
    assert "posted" not in text and f"request {request_id}" not in text
    assert f"(request #{request_id} posted)" in _text(english.get("/staff/matching"))


def test_a_plan_after_a_lead_approval_says_so_in_spanish(world):
    app, ids, spanish, english = world
    with app.app_context():
        make_request(db.session.get(User, ids["buyer"]))
        _run_queued_plan()
        lead = make_lead(db.session.get(User, ids["supplier"]))
        approve(lead)
        lead_id = lead.id
        _run_queued_plan()  # the job's session is its own: read ids before
        db.session.remove()
    text = _text(spanish.get("/staff/matching"))
    assert f"(oferta #{lead_id} aprobada)" in text, text
    assert "approved" not in text and f"lead {lead_id}" not in text
    assert f"(lead #{lead_id} approved)" in _text(english.get("/staff/matching"))


def test_approvals_committed_together_compute_one_plan_that_counts_the_other(world):
    app, ids, spanish, english = world
    with app.app_context():
        make_request(db.session.get(User, ids["buyer"]))
        _run_queued_plan()
        supplier = db.session.get(User, ids["supplier"])
        first, second = (make_lead(supplier, quantity="1000", min_order_qty="100") for _ in range(2))
        vetter = make_user("vetter")
        for lead in (first, second):
            vetting.decide(lead, vetter, "approve")
        assert (first.status, second.status) == ("approved", "approved")  # below the four-eyes value
        db.session.commit()  # one commit: one run, named after the first approval
        first_id = first.id
        _run_queued_plan()
        db.session.remove()
    assert f"(oferta #{first_id} aprobada y 1 cambio más)" in _text(spanish.get("/staff/matching"))
    assert f"(lead #{first_id} approved and 1 other change)" in _text(english.get("/staff/matching"))


def test_a_failed_run_and_a_sentence_from_before_read_for_the_reader(world):
    app, _ids, spanish, _english = world
    with app.app_context():
        db.session.add(MatchPlan(status="draft", trigger={"code": "legacy", "params": {"text": "lead 42 approved"}},
                                 needs_count=0, offers_count=0))
        db.session.commit()
        db.session.add(MatchPlan(status="failed", trigger=trigger_fact("asked", email="vetter@city.example"),
                                 needs_count=0, offers_count=0, error="RuntimeError: solver"))
        db.session.commit()
        assert planning.failure_since(planning.latest_plan()) is not None
        db.session.remove()
    text = _text(spanish.get("/staff/matching"))
    assert "pedido por vetter@city.example" in text and "asked for by" not in text, text
    assert "(«lead 42 approved»)" in text


def test_a_job_queued_before_the_upgrade_keeps_its_sentence_quoted(world):
    """A matching job queued by the previous version carries an English sentence: its plan is
    computed, and the sentence kept as a legacy trigger; the service itself takes facts only."""
    from marketplace.jobs.tasks import run_matching_job

    app, _ids, spanish, _english = world
    with app.app_context():
        with pytest.raises(TypeError):
            planning.run_matching("lead 42 approved")
        run_matching_job("lead 42 approved (+2 more)")
        assert planning.latest_plan().trigger == {"code": "legacy", "params": {"text": "lead 42 approved (+2 more)"}}
        db.session.remove()
    assert "(«lead 42 approved (+2 more)»)" in _text(spanish.get("/staff/matching"))
