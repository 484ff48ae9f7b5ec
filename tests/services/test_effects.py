"""Effects declared by services and run after the commit (issue 9, item 1): deduplicated, dropped
on rollback, dispatched only after the commit, in one Redis pipeline with RQ, in-process once
without Redis, and a commit that stands when Redis is down."""
import io

import pytest
from sqlalchemy import func, select

from marketplace.domain.demo_data import generate_leads
from marketplace.domain.lead_status import APPROVED
from marketplace.domain.messages import trigger_fact
from marketplace.extensions import db
from marketplace.models import Lead, MatchPlan
from marketplace.services import effects, leads, planning
from tests.conftest import REDIS_URL, approve, make_lead, make_request, make_user
from tests.services.test_import_export import csv_text


def approved(lead_id: int) -> dict:
    return trigger_fact("lead_approved", lead_id=lead_id)


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def recorded(app_ctx):
    """Swap the dispatcher for one that records what it is given."""
    calls: list[list[tuple]] = []
    previous = effects.set_dispatcher(calls.append)
    yield calls
    effects.set_dispatcher(previous)


# --- dedupe (pure) ---------------------------------------------------------------------------

def test_dedupe_keeps_first_order_and_collapses_repeats():
    got = effects.dedupe([("process_lead", 1), ("run_matching", approved(1)), ("process_lead", 2),
                          ("process_lead", 1), ("run_matching", approved(2)), ("send_outbox",),
                          ("run_matching", approved(3)), ("send_outbox",)])
    assert got == [("process_lead", 1), ("run_matching", {"code": "lead_approved", "params": {"lead_id": 1, "others": 2}}),
                   ("process_lead", 2), ("send_outbox",)]


def test_a_plan_that_stands_for_others_counts_what_they_stood_for():
    """A run already standing for two changes (one drain's) and coalesced into another counts them all;
    a string trigger (the refit's) still reads "(+n more)"."""
    stood_for_two = effects.dedupe([("run_matching", approved(5)), ("run_matching", approved(6)),
                                    ("run_matching", approved(7))])[0]
    got = effects.dedupe([("run_matching", trigger_fact("request_posted", demand_id=9)), stood_for_two])
    assert got == [("run_matching", {"code": "request_posted", "params": {"demand_id": 9, "others": 3}})]
    assert effects.dedupe([("refit", "a"), ("refit", "b")]) == [("refit", "a (+1 more)")]


def test_replan_declares_a_run_with_its_trigger_and_refuses_an_unknown_one(recorded):
    effects.replan("request_posted", demand_id=3)
    assert effects.pending() == [("run_matching", {"code": "request_posted", "params": {"demand_id": 3}})]
    with pytest.raises(ValueError, match="unknown plan trigger"):
        effects.replan("request 3 posted")


def test_an_unknown_effect_is_refused(app_ctx):
    with pytest.raises(ValueError, match="unknown effect"):
        effects.after_commit("launch_rockets")


# --- the session hook ------------------------------------------------------------------------

def test_dispatched_only_after_the_commit_and_once(recorded):
    make_user("vetter", "v@city.example")  # commits: nothing declared, nothing dispatched
    assert recorded == []
    effects.replan("lead_approved", lead_id=1)
    effects.replan("lead_approved", lead_id=2)
    effects.after_commit("process_lead", 7)
    db.session.flush()
    assert recorded == [] and len(effects.pending()) == 3
    db.session.commit()
    assert recorded == [[("run_matching", {"code": "lead_approved", "params": {"lead_id": 1, "others": 1}}),
                         ("process_lead", 7)]]
    assert effects.pending() == []
    db.session.commit()  # the next commit has nothing left to dispatch
    assert len(recorded) == 1


def test_dropped_on_rollback(recorded):
    effects.after_commit("process_lead", 1)
    db.session.add(MatchPlan(status="failed", trigger=trigger_fact("command"), needs_count=0, offers_count=0))
    db.session.flush()
    db.session.rollback()
    effects.after_commit("send_outbox")  # nothing written at all: a soft rollback drops it too
    db.session.rollback()
    db.session.commit()
    assert recorded == [] and effects.pending() == []


def test_a_failed_use_case_queues_nothing(recorded):
    supplier = make_user("supplier", "s@harbor.example")
    lead = make_lead(supplier)
    recorded.clear()
    effects.after_commit("process_lead", lead.id)
    with pytest.raises(RuntimeError):
        try:
            raise RuntimeError("the view failed after the service ran")
        except RuntimeError:
            db.session.rollback()
            raise
    db.session.commit()
    assert recorded == []


# --- the embedded default: in-process, once --------------------------------------------------

@pytest.mark.skipif(bool(REDIS_URL), reason="the embedded default runs effects in-process")
def test_a_burst_of_approvals_in_one_commit_computes_one_plan(app_ctx):
    from marketplace.services import vetting

    buyer = make_user("buyer", "nurse@stvincent.example", verified=True)
    supplier = make_user("supplier", "sales@harbor.example")
    vetter = make_user("vetter", "v@city.example")
    make_request(buyer)
    lots = [make_lead(supplier, quantity="1000", company_name=f"Harbor {n}", email=f"s{n}@harbor{n}.example",
                      website=f"harbor{n}.example", phone=f"(213) 555-01{n:02d}") for n in range(5)]
    plans = count(MatchPlan)
    for lead in lots:
        vetting.decide(lead, vetter, "approve")
    assert count(MatchPlan) == plans  # nothing runs before the commit
    db.session.commit()
    assert count(MatchPlan) == plans + 1


@pytest.mark.skipif(bool(REDIS_URL), reason="the embedded default runs effects in-process")
def test_an_approved_import_processes_every_lead_then_plans_once(app_ctx):
    rows = generate_leads(12, seed=3)
    report = leads.import_leads(io.StringIO(csv_text(rows)), actor_id=None, status=APPROVED)
    db.session.commit()
    assert report.imported == 12
    assert count(Lead, Lead.processing_state != "done") == 0
    assert count(MatchPlan) == 1
    plan = planning.latest_plan()
    assert plan.offers_count > 0  # planned after the leads were processed (their normal form is known)


@pytest.mark.skipif(bool(REDIS_URL), reason="the embedded default seeds with in-process effects")
def test_the_demo_seed_computes_one_plan(app_ctx):
    from marketplace.cli import seed_demo

    seed_demo(24)
    assert count(MatchPlan) == 1
    assert planning.latest_plan().status == "released"


# --- Redis -----------------------------------------------------------------------------------

def test_redis_down_the_commit_stands(app_ctx):
    from flask import current_app

    supplier = make_user("supplier", "s@harbor.example")
    current_app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    try:
        lead = make_lead(supplier)
        approve(lead)
        lead_id = lead.id
    finally:
        current_app.config["REDIS_URL"] = REDIS_URL
    db.session.remove()
    stored = db.session.get(Lead, lead_id)
    assert (stored.status, stored.processing_state) == (APPROVED, "pending")  # the sweeper takes it later


redis_only = pytest.mark.skipif(not REDIS_URL, reason="needs TEST_REDIS_URL")


class _RoundTrips:
    """Count the requests sent to Redis (a pipeline is one)."""

    def __init__(self, monkeypatch):
        import redis.connection

        self.count = 0
        original = redis.connection.AbstractConnection.send_packed_command

        def counting(conn, command, check_health=True):
            self.count += 1
            return original(conn, command, check_health)

        monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", counting)


@redis_only
@pytest.mark.parametrize("rows", [3, 60])
def test_an_import_enqueues_its_jobs_in_a_constant_number_of_round_trips(app_ctx, monkeypatch, rows):
    from rq.utils import get_version

    from marketplace.jobs.queue import job_id_for, leads_queue, redis_connection, tasks_queue

    data = generate_leads(rows, seed=5)
    conn = redis_connection()
    with conn.pipeline() as held:  # two pooled connections open, so none is opened (SELECT) while counting
        held.watch("warm-up")
        conn.ping()
        held.unwatch()
    get_version(conn)  # RQ asks the server's version once per connection (INFO) and keeps it
    trips = _RoundTrips(monkeypatch)
    report = leads.import_leads(io.StringIO(csv_text(data)), actor_id=None, status=APPROVED)
    db.session.commit()
    assert report.imported == rows
    assert trips.count == 3  # WATCH, the statuses, one MULTI/EXEC with every job
    ids = db.session.execute(select(Lead.id).order_by(Lead.id)).scalars().all()
    assert sorted(leads_queue().get_job_ids()) == sorted(job_id_for(i) for i in ids)
    assert tasks_queue().get_job_ids() == ["run-matching"]


@redis_only
def test_jobs_already_queued_are_queued_once(app_ctx):
    from marketplace.jobs.queue import dispatch, leads_queue, tasks_queue

    first = dispatch([("process_lead", 1), ("process_lead", 2), ("run_matching", approved(1)), ("send_outbox",)])
    again = dispatch([("process_lead", 2), ("process_lead", 3), ("run_matching", approved(2)), ("send_outbox",)])
    assert (first, again) == (4, 1)
    assert sorted(leads_queue().get_job_ids()) == ["process-lead-1", "process-lead-2", "process-lead-3"]
    assert sorted(tasks_queue().get_job_ids()) == ["run-matching", "send-outbox"]


@redis_only
def test_jobs_without_a_matching_run_are_queued_in_one_round_trip(app_ctx, monkeypatch):
    """The lead POST's path (jobs.queue._enqueue_at_once): one script call; a job already waiting
    is left alone, a finished one is queued again, and each job is RQ's own (a worker runs it)."""
    from rq.job import Job
    from rq.serializers import JSONSerializer

    from marketplace.jobs.queue import dispatch, job_id_for, leads_queue, redis_connection, tasks_queue

    conn = redis_connection()
    assert dispatch([("process_lead", 6)]) == 1  # the script loaded, a pooled connection open
    leads_queue().remove(job_id_for(6))
    conn.delete(Job.key_for(job_id_for(6)))
    trips = _RoundTrips(monkeypatch)
    assert dispatch([("process_lead", 7), ("send_outbox",)]) == 2
    assert trips.count == 1
    assert dispatch([("process_lead", 7), ("process_lead", 8)]) == 1  # 7 is still waiting
    assert trips.count == 2
    job = Job.fetch(job_id_for(7), connection=conn, serializer=JSONSerializer)
    assert (job.func_name, job.args, job.origin) == ("marketplace.jobs.tasks.process_lead_job", [7], "leads")
    assert job.get_status() == "queued" and job.description == "process lead 7"
    leads_queue().remove(job_id_for(7))
    job.set_status("finished")  # done (results are not kept, but a status may linger)
    assert dispatch([("process_lead", 7)]) == 1  # queued afresh, by the one-at-a-time path
    assert leads_queue().get_job_ids() == [job_id_for(8), job_id_for(7)]  # 7 queued again, behind 8
    assert tasks_queue().get_job_ids() == ["send-outbox"]
