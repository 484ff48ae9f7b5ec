"""The pipeline on a real database: idempotent, clusters right, scores stored, sweeper."""
from datetime import timedelta

from sqlalchemy import func, select

from marketplace.domain.scoring import load_reference
from marketplace.extensions import db
from marketplace.models import DuplicatePair, Lead, LeadBlockKey, LeadFlag, LeadNormal
from marketplace.services import processing, vetting
from tests.conftest import make_lead, make_user

HARBOR = dict(company_name="Harbor Industrial Distribution", email="mgarcia@harborindustrial.com",
              phone="(213) 555-0100", website="harborindustrial.com", street="100 Harbor Blvd",
              city="Long Beach", postal_code="90802")


def counts():
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (LeadNormal, LeadBlockKey, DuplicatePair, LeadFlag))


def process(*leads):
    for lead in leads:
        processing.process_lead(lead.id)
    for lead in leads:
        db.session.refresh(lead)


def test_processing_twice_changes_nothing_more(app_ctx):
    first = make_lead(**HARBOR)
    second = make_lead(**{**HARBOR, "company_name": "Harbor Industrial Distribution, Inc.", "unit_price": "6.50"})
    process(first, second)
    state = counts(), second.risk_score, second.cluster_id, sorted(second.risk_signals, key=str)
    process(second, first, second)
    assert (counts(), second.risk_score, second.cluster_id, sorted(second.risk_signals, key=str)) == state
    assert first.cluster_id == second.cluster_id == first.id
    assert second.processing_state == "done" and second.reference_version == load_reference().version
    assert "price_3x" in {f for f in db.session.execute(select(LeadFlag.flag).where(LeadFlag.lead_id == second.id)).scalars()}


def test_generic_names_in_two_cities_stay_two_suppliers(app_ctx):
    la = make_lead(company_name="Pacific Medical Supply", email="sales@pacificmedsupply.com", phone="(213) 555-0111",
                   website="pacificmedsupply.com", street="1 Alameda St", city="Los Angeles", postal_code="90021")
    portland = make_lead(company_name="Pacific Medical Supply", email="info@pacmedical-or.com", phone="(503) 555-0122",
                         website="pacmedical-or.com", street="9 Burnside St", city="Portland", state="OR",
                         postal_code="97210")
    process(la, portland)
    assert la.cluster_id != portland.cluster_id
    assert db.session.scalar(select(func.count()).select_from(DuplicatePair)) == 0


def test_a_vetters_split_and_merge_are_remembered(app_ctx):
    vetter = make_user("vetter", "v@city.example.gov")
    a, b = make_lead(**HARBOR), make_lead(**{**HARBOR, "contact_name": "James Smith"})
    process(a, b)
    assert a.cluster_id == b.cluster_id
    vetting.split_from_cluster(b, vetter)
    process(a, b)  # processing again keeps the vetter's decision
    assert a.cluster_id != b.cluster_id
    vetting.merge_leads(a, b, vetter)
    process(b)
    assert a.cluster_id == b.cluster_id == a.id


def test_a_lead_like_a_rejected_one_is_flagged(app_ctx):
    vetter = make_user("vetter", "v@city.example.gov")
    scam = make_lead(**{**HARBOR, "company_name": "Global Trade Group", "email": "deals77@gmail.com",
                        "website": "", "phone": "(305) 555-0177"})
    process(scam)
    vetting.decide(scam, vetter, "reject", "Broker with no stock")
    db.session.commit()
    again = make_lead(**{**HARBOR, "company_name": "Prime Sourcing Partners", "email": "deals77@gmail.com",
                         "website": "", "phone": "(305) 555-0177"})
    process(again)
    assert "resembles_rejected" in {s["code"] for s in again.risk_signals}


def test_the_sweeper_finds_lost_and_stale_leads(app_ctx):
    lead = make_lead(**HARBOR)
    process(lead)
    lost = make_lead(**{**HARBOR, "company_name": "Lost Lead Co"})
    db.session.execute(Lead.__table__.update().where(Lead.id == lost.id).values(processing_state="pending"))
    db.session.commit()
    assert processing.leads_to_sweep(timedelta(hours=1)) == []
    assert processing.leads_to_sweep(timedelta(0)) == [lost.id]
    # Scores made with older reference data are made again.
    db.session.execute(Lead.__table__.update().where(Lead.id == lead.id).values(reference_version="old"))
    db.session.commit()
    assert set(processing.leads_to_sweep(timedelta(0))) == {lost.id, lead.id}
    db.session.refresh(lead)
    assert lead.processing_state == "pending"


def test_too_many_failed_attempts_mark_the_lead_failed(app_ctx):
    lead = make_lead(**HARBOR)
    for _ in range(processing.MAX_ATTEMPTS):
        assert processing.start_attempt(lead.id)
    assert not processing.start_attempt(lead.id)
    db.session.refresh(lead)
    assert lead.processing_state == "failed" and "gave up" in lead.processing_error


def test_a_duplicate_behind_a_popular_name_is_found_by_its_address(app_ctx, monkeypatch):
    # A name shared by more leads than the cap: the oldest leads of the name key are other suppliers.
    monkeypatch.setattr(processing, "MAX_CANDIDATES_PER_KEY", 3)
    others = [make_lead(company_name="Pacific Medical Supply", email=f"sales@pms{n}.example.com",
                        phone=f"(213) 555-01{n:02d}", website=f"pms{n}.example.com", street=f"{n} Main St",
                        city="Los Angeles", postal_code="90021") for n in range(4)]
    fresno = make_lead(company_name="Pacific Medical Supply", contact_name="Ann Wu", email="ann@pmsfresno.example.com",
                       phone="(559) 555-0101", website="pmsfresno.example.com", street="77 Olive Ave",
                       city="Fresno", postal_code="93721")
    # The same supplier from free-mail, no phone, no website, no ZIP: the name is its only old key.
    again = make_lead(company_name="Pacific Medical Supply, Inc.", contact_name="Ann Wu", email="pms.fresno@gmail.com",
                      phone="", website="", street="77 Olive Avenue, Suite 4", city="Fresno", postal_code="")
    process(*others, fresno, again)
    pairs = {(p.lead_id, p.other_id) for p in db.session.execute(select(DuplicatePair)).scalars()}
    assert (again.id, fresno.id) in pairs


def test_a_moved_supplier_is_compared_with_its_lead_from_the_new_address(app_ctx, monkeypatch):
    monkeypatch.setattr(processing, "MAX_COMPARED_PER_CLUSTER", 2)
    old = [make_lead(**{**HARBOR, "contact_name": name}) for name in ("Maria Garcia", "James Smith")]
    moved = make_lead(**{**HARBOR, "phone": "(562) 555-0177", "street": "9 Ocean Blvd", "postal_code": "90831"})
    process(*old, moved)
    assert {lead.cluster_id for lead in (*old, moved)} == {old[0].id}
    # From free-mail, with the new phone and address: only the lead from the new address shares them.
    latest = make_lead(**{**HARBOR, "email": "harbor.orders@gmail.com", "website": "", "phone": "562-555-0177",
                          "street": "9 Ocean Boulevard", "postal_code": "90831"})
    process(latest)
    assert latest.cluster_id == old[0].id


def test_the_candidate_query_runs_the_domain_policy(app_ctx, monkeypatch):
    # bench/dedup_leads runs dedup.capped_candidates in memory; the job runs candidate_ids in SQL.
    from marketplace.domain.dedup import capped_candidates

    monkeypatch.setattr(processing, "MAX_CANDIDATES_PER_KEY", 2)
    leads = [make_lead(company_name="Pacific Medical Supply", email=f"s{n}@pms{n % 2}.example.com",
                       phone=f"(213) 555-01{n % 3:02d}", website=f"pms{n % 2}.example.com", street="1 Main St",
                       city="Los Angeles" if n % 2 else "Fresno", postal_code="90021") for n in range(7)]
    process(*leads)
    leads_by_key: dict[str, list[int]] = {}
    for key, lead_id in db.session.execute(select(LeadBlockKey.key, LeadBlockKey.lead_id).order_by(LeadBlockKey.lead_id)):
        leads_by_key.setdefault(key, []).append(lead_id)
    for lead in leads:
        keys = set(db.session.execute(select(LeadBlockKey.key).where(LeadBlockKey.lead_id == lead.id)).scalars())
        assert processing.candidate_ids(lead.id, keys) == capped_candidates(leads_by_key, keys, lead.id, cap=2)
        assert processing.candidate_ids(lead.id, keys)   # the case has candidates to agree on
