"""Fitted lead-match weights on a real database: versions stored, new pairs carry them, vetters'
decisions stand, refits follow new leads (in-process without Redis), the staff command."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from marketplace.domain.dedup import LEAD_MATCH_SPEC
from marketplace.extensions import db
from marketplace.jobs.worker import sweep
from marketplace.models import DuplicatePair, Lead, MatchModel
from marketplace.services import match_models, processing, vetting
from tests.conftest import REDIS_URL, make_lead, make_user

CITIES = (("Long Beach", "90802", "213"), ("Portland", "97210", "503"), ("Houston", "77002", "713"),
          ("Chicago", "60607", "312"))
NAMES = ("Harbor Industrial", "Cascade Respiratory", "Apex Protective", "Summit PPE", "Anhua Medical Devices",
         "Lotus Hygiene", "Zenith Gloves", "Mission Bay Biomedical")


def lead(**fields):
    """A lead saved and processed (with Redis the job would run in a worker: here, now)."""
    saved = make_lead(**fields)
    processing.process_lead(saved.id)
    db.session.refresh(saved)
    return saved


def seed_leads():
    """Eight suppliers with two or three leads each (another contact, a reformatted phone, a
    webmail address), and four different "Pacific Medical Supply"s."""
    leads = []
    for s, name in enumerate(NAMES):
        city, zip_code, area = CITIES[s % 4]
        base = dict(company_name=name, email=f"sales@supplier{s}.com", website=f"supplier{s}.com",
                    phone=f"({area}) 555-01{s:02d}", street=f"{s + 1}00 Main Street", city=city, postal_code=zip_code)
        leads.append(lead(**base))
        leads.append(lead(**{**base, "contact_name": "James Smith", "email": f"james@supplier{s}.com",
                                  "phone": f"{area}-555-01{s:02d}"}))
        if s % 2:
            leads.append(lead(**{**base, "company_name": name + " Inc.", "website": "",
                                      "email": f"orders.supplier{s}@gmail.com"}))
    for s, (city, zip_code, area) in enumerate(CITIES):
        leads.append(lead(company_name="Pacific Medical Supply", email=f"info@pacific{s}.com",
                               website=f"pacific{s}.com", phone=f"({area}) 555-09{s:02d}", street=f"{s} Alameda St",
                               city=city, postal_code=zip_code))
    return leads


def test_too_few_leads_keep_the_hand_set_weights(app_ctx):
    make_lead()
    model = match_models.refit("test")
    assert not model.fitted and "hand-set weights kept" in model.note
    assert match_models.current_spec() is LEAD_MATCH_SPEC


def test_a_refit_stores_a_version_and_new_pairs_carry_it(app_ctx):
    seed_leads()
    assert set(db.session.execute(select(DuplicatePair.model_version)).scalars()) == {None}  # hand-set
    model = match_models.refit("test", min_pairs=5)
    assert model.fitted and model.n_pairs >= 5 and model.id >= 1 and 0 < model.match_share < 1
    spec = match_models.current_spec()
    assert spec.version == model.id and spec.term_frequencies["name"].total == model.n_leads
    # a new lead of a known supplier is scored with the fitted weights, and says so
    new = lead(company_name="Anhua Medical Devices Co.", email="li@supplier4.com", website="supplier4.com",
                    phone="(213) 555-0104", street="500 Main Street", city="Long Beach", postal_code="90802")
    pairs = list(db.session.execute(select(DuplicatePair).where(DuplicatePair.lead_id == new.id)).scalars())
    assert pairs and all(p.model_version == model.id for p in pairs)
    name = next(e for e in pairs[0].evidence if e["field"] == "company name")
    assert name["tf_token"] == "anhua" and name["weight"] == pytest.approx(name["base_weight"] + name["tf_adjustment"])
    db.session.refresh(new)
    assert new.cluster_id == db.session.scalar(select(func.min(Lead.id)).where(Lead.company_name == "Anhua Medical Devices"))
    # the pairs stored before the refit keep the version that scored them (no silent re-scoring)
    assert db.session.scalar(select(func.count()).select_from(DuplicatePair).where(
        DuplicatePair.model_version.is_(None))) > 0


def test_a_vetters_decision_outlives_a_refit(app_ctx):
    leads = seed_leads()
    vetter = make_user("vetter", "v@city.example.gov")
    first, second = leads[0], leads[1]
    assert first.cluster_id == second.cluster_id
    vetting.split_from_cluster(second, vetter)
    match_models.refit("test", min_pairs=5)
    processing.process_lead(second.id)
    processing.process_lead(first.id)
    db.session.refresh(first), db.session.refresh(second)
    assert first.cluster_id != second.cluster_id
    pair = db.session.execute(select(DuplicatePair).where(DuplicatePair.lead_id == second.id,
                                                          DuplicatePair.other_id == first.id)).scalar_one()
    assert pair.decision == "different" and pair.model_version == match_models.current_spec().version


@pytest.mark.skipif(bool(REDIS_URL), reason="the embedded default: leads and refits run in-process")
def test_a_refit_follows_new_leads_in_process(app_ctx):
    every = app_ctx.config["DEDUP_REFIT_EVERY"]
    app_ctx.config["DEDUP_REFIT_EVERY"] = 10
    try:
        leads = seed_leads()
        models = list(db.session.execute(select(MatchModel).order_by(MatchModel.id)).scalars())
        assert len(models) == len(leads) // 10  # one per ten new leads, in the request that brought them
        assert models[-1].max_lead_id == leads[len(models) * 10 - 1].id
        assert not match_models.refit_due()
        # a day later, one new lead is enough
        models[-1].fitted_at -= timedelta(days=2)
        db.session.commit()
        make_lead(company_name="Late Supplier", email="x@late.example.com", website="late.example.com")
        assert db.session.scalar(select(func.count()).select_from(MatchModel)) == len(models) + 1
        assert not match_models.refit_due()
        # the sweeper asks for a refit that is due (with Redis, it queues the job)
        newest = db.session.execute(select(MatchModel).order_by(MatchModel.id.desc()).limit(1)).scalar_one()
        newest.fitted_at -= timedelta(days=2)
        newest.max_lead_id -= 1
        db.session.commit()
        assert match_models.refit_due()
        sweep(app_ctx, timedelta(hours=1))
        assert db.session.scalar(select(func.count()).select_from(MatchModel)) == len(models) + 2
        assert not match_models.refit_due()
    finally:
        app_ctx.config["DEDUP_REFIT_EVERY"] = every


def test_the_refit_and_show_commands(clean_app):
    runner = clean_app.test_cli_runner()
    assert "no model yet" in runner.invoke(args=["dedup", "show"]).output
    with clean_app.app_context():
        seed_leads()
    result = runner.invoke(args=["dedup", "refit", "--min-pairs", "5"])
    assert result.exit_code == 0, result.output
    assert "model 1" in result.output and "fitted" in result.output and "phone" in result.output
    assert "(TF)" in result.output
    assert "model 1" in runner.invoke(args=["dedup", "show"]).output


@pytest.mark.skipif(not REDIS_URL, reason="needs Redis: the refit is a job on the tasks queue")
def test_the_refit_is_queued_once_as_a_job(app_ctx):
    from rq.job import Job
    from rq.serializers import JSONSerializer

    from marketplace.jobs.queue import REFIT_JOB_ID, enqueue_refit, redis_connection
    from marketplace.jobs.tasks import refit_job

    seed_leads()
    assert enqueue_refit("test") and not enqueue_refit("test again")  # one job however often asked
    job = Job.fetch(REFIT_JOB_ID, connection=redis_connection(), serializer=JSONSerializer)
    assert job.func_name.endswith("refit_job") and list(job.args) == ["test"]  # JSON: a list
    assert refit_job(*job.args).startswith("model ")  # what the worker runs
    assert db.session.scalar(select(func.count()).select_from(MatchModel)) == 1


def test_the_vetter_sees_the_model_version_and_the_token_behind_the_name_weight(client, clean_app):
    from tests.conftest import login

    with clean_app.app_context():
        make_user("vetter", "v@city.example.gov")
        seed_leads()
        model = match_models.refit("test", min_pairs=5)
        new = lead(company_name="Anhua Medical Devices Co.", email="li@supplier4.com", website="supplier4.com",
                   phone="(213) 555-0104", street="500 Main Street", city="Long Beach", postal_code="90802")
        new_id, version = new.id, model.id
    login(client, "v@city.example.gov")
    page = client.get(f"/staff/leads/{new_id}").get_data(as_text=True)
    assert f"fitted to the leads, model v{version}" in page
    assert "for &ldquo;anhua&rdquo;" in page
