"""Normalisation, comparison, clustering, scoring, transitions: tables of cases, no app."""

import pytest

from marketplace.domain import normalise as n
from marketplace.domain.dedup import (
    AUTO_MERGE_PROBABILITY,
    LEAD_MATCH_SPEC,
    REVIEW_PROBABILITY,
    FieldComparison,
    Level,
    MatchSpec,
    UnionFind,
    lead_blocking_keys,
    lead_record,
)
from marketplace.domain.lead_status import TransitionError, available_actions, transition
from marketplace.domain.leads import parse_lead
from marketplace.domain.permissions import self_vetting_reason
from marketplace.domain.scoring import DuplicateContext, score_lead
from tests.conftest import VALID_LEAD


@pytest.mark.parametrize("raw, expected", [
    ("The Pacific Medical Supply, Inc.", "pacific medical supply"),
    ("PACIFIC MEDICAL SUPPLY INCORPORATED", "pacific medical supply"),
    ("Pacific Medical Supply L.L.C.", "pacific medical supply"),
    ("Smith & Sons Co.", "smith sons"),
    ("Müller Medizintechnik GmbH", "muller medizintechnik"),
    ("Inc", ""),  # a name that is only a legal form is no name: missing, never agreement
    ("", ""),
])
def test_company_names(raw, expected):
    assert n.company_name(raw) == expected


@pytest.mark.parametrize("raw, country, expected", [
    ("(213) 555-0100", "US", "+12135550100"),
    ("213.555.0100", None, "+12135550100"),
    ("+1 213 555 0100", "US", "+12135550100"),
    ("020 7946 0000", "GB", "+442079460000"),
    ("12", "US", None),
    ("", "US", None),
])
def test_phones_to_e164(raw, country, expected):
    assert n.phone_e164(raw, country) == expected


@pytest.mark.parametrize("func, raw, expected", [
    (n.email_domain, "Maria@Mail.Harbor-Industrial.com", "harbor-industrial.com"),
    (n.email_domain, "x@shop.example.co.uk", "example.co.uk"),
    (n.website_domain, "https://www.harborindustrial.com/ppe", "harborindustrial.com"),
    (n.website_domain, "harborindustrial.com", "harborindustrial.com"),
    (n.website_domain, "localhost", None),
    (n.street, "100 North Harbor Boulevard, Suite 5", "100 n harbor blvd ste 5"),
    (n.street, "100 N. Harbor Blvd #5", "100 n harbor blvd 5"),
    (n.postal_code, "90802-1234", "90802"),
])
def test_domains_streets_postcodes(func, raw, expected):
    assert func(raw) == expected


def test_webmail_is_recognised():
    assert n.is_webmail("gmail.com") and n.is_webmail("yahoo.co.uk")
    assert not n.is_webmail("harborindustrial.com")


def record(**fields):
    values, errors = parse_lead({**VALID_LEAD, **fields})
    assert not errors, errors
    return lead_record(n.normalise_lead(values), values.get("contact_name"))


def probability(a, b):
    return LEAD_MATCH_SPEC.compare(a, b).probability


SAME = dict(company_name="Harbor Industrial Distribution", email="mgarcia@harborindustrial.com",
            phone="(213) 555-0100", website="harborindustrial.com", street="100 Harbor Blvd",
            city="Long Beach", postal_code="90802")


@pytest.mark.parametrize("changes", [
    dict(company_name="Harbor Industrial Distribution, Inc."),
    dict(company_name="HARBOR INDUSTRIAL DISTRIBUTION INCORPORATED", contact_name="James Smith",
         email="jsmith@harborindustrial.com"),
    dict(phone="213-555-0100", company_name="Harbour Industrial Distribution"),  # typo, same phone
    dict(email="orders@harborindustrial.com", phone="(213) 555-0199", street="100 Harbor Boulevard"),
])
def test_the_same_company_joins_automatically(changes):
    assert probability(record(**SAME), record(**{**SAME, **changes})) >= AUTO_MERGE_PROBABILITY


def test_two_companies_with_a_generic_name_stay_apart():
    la = record(company_name="Pacific Medical Supply", email="sales@pacificmedsupply.com", phone="(213) 555-0111",
                website="pacificmedsupply.com", street="1 Alameda St", city="Los Angeles", postal_code="90021")
    portland = record(company_name="Pacific Medical Supply", email="info@pacmedical-or.com", phone="(503) 555-0122",
                      website="pacmedical-or.com", street="9 Burnside St", city="Portland", state="OR",
                      postal_code="97210")
    assert probability(la, portland) < REVIEW_PROBABILITY


def test_a_name_alone_never_merges_nor_asks():
    only_name = {"name": "pacific medical supply"}
    assert probability(only_name, dict(only_name)) < REVIEW_PROBABILITY


def test_a_shared_webmail_address_under_another_name_goes_to_review():
    a = record(company_name="Global Trade Group", email="j.smith77@gmail.com", website="", phone="", street="",
               city="Miami", postal_code="33101")
    b = record(company_name="Prime Sourcing Partners", email="j.smith77@gmail.com", website="", phone="", street="",
               city="Miami", postal_code="33130")
    assert REVIEW_PROBABILITY <= probability(a, b) < AUTO_MERGE_PROBABILITY


def test_blocking_keys_cover_phone_email_domain_and_name():
    keys = lead_blocking_keys(record(**SAME))
    assert {"phone:+12135550100", "email:mgarcia@harborindustrial.com", "domain:harborindustrial.com",
            "name:harbor industrial distribution", "zipname:90802:harb"} <= keys


def test_webmail_domains_are_not_blocking_keys():
    keys = lead_blocking_keys(record(email="someone@gmail.com", website=""))
    assert "domain:gmail.com" not in keys


def test_the_engine_is_generic_over_a_field_specification():
    spec = MatchSpec(prior_log_odds=-2, comparisons=(
        FieldComparison("surname", "jaro_winkler", (Level("same", 0.95, 4), Level("different", 0.0, -4))),
        FieldComparison("dob", "exact", (Level("same", 1.0, 6), Level("different", 0.0, -6))),
    ))
    match = spec.compare({"surname": "smith", "dob": "19800101"}, {"surname": "smyth", "dob": "19800101"})
    assert match.log_odds == -2 + 6 + (4 if match.evidence[0].similarity >= 0.95 else -4)
    with pytest.raises(ValueError):
        FieldComparison("x", "no-such-comparator", (Level("any", 0.0, 0),))


def test_union_find_keeps_the_smallest_id():
    sets = UnionFind()
    sets.union(5, 3)
    sets.union(9, 5)
    sets.union(7, 8)
    assert sets.find(9) == 3 and sets.find(8) == 7
    assert sorted(map(sorted, sets.groups().values())) == [[3, 5, 9], [7, 8]]


def score(context=DuplicateContext(), **fields):
    values, errors = parse_lead({**VALID_LEAD, **fields})
    assert not errors, errors
    return score_lead(values, n.normalise_lead(values), context)


def test_a_clean_lead_scores_100():
    assessment = score()
    assert assessment.score == 100 and assessment.flags == []


@pytest.mark.parametrize("fields, flag, words", [
    (dict(unit_price="6.50"), "price_3x", "8.23x the reference $0.79"),
    (dict(unit_price="11.49"), "price_10x", "more than 10x"),
    (dict(unit_price="0.95"), "price_over_1_1x", "Penal Code 396"),
    (dict(unit_price="0.20"), "price_too_low", "too good to be true"),
    (dict(certification=""), "certification_missing", "TC-84A"),
    (dict(certification="CE FDA certified"), "certification_malformed", "does not contain"),
    (dict(product_category="surgical_mask", unit_price="0.12", certification="ASTM level 3"), "certification_malformed", "510(k)"),
    (dict(notes="ICPO and NCNDA required, SGS report on request"), "broker_terms", "ICPO, NCNDA, SGS report"),
    (dict(supplier_type="broker"), "broker", "authorisation"),
    (dict(payment_terms="100% upfront by wire"), "payment_upfront", "classic scam"),
    (dict(payment_terms="T/T in advance"), "payment_upfront", "before delivery"),
    (dict(email="harbor.industrial@gmail.com"), "webmail", "gmail.com"),
    (dict(email="sales@other-domain.com"), "domain_mismatch", "differs"),
    (dict(website=""), "no_website", "No website"),
    (dict(phone=""), "no_phone", "No phone"),
    (dict(quantity="900000000000"), "implausible_quantity", "1.1 billion"),
    (dict(quantity="5000000", lead_time_days="0"), "ready_millions", "no lead time"),
    (dict(contact_name="", street=""), "incomplete", "contact, street"),
])
def test_each_signal_with_its_sentence(fields, flag, words):
    assessment = score(**fields)
    assert flag in assessment.flags
    signal = next(s for s in assessment.signals if s.code == flag)
    assert signal.weight < 0 and words in signal.text
    assert assessment.score == max(0, 100 + sum(s.weight for s in assessment.signals))


def test_duplicate_signals():
    assessment = score(DuplicateContext(cluster_lead_ids=(3, 4), rejected_matches=((7, 0.97),)))
    assert "resembles_rejected" in assessment.flags
    sentences = " ".join(s.text for s in assessment.signals)
    assert "#7 (97%)" in sentences and "#3, #4" in sentences


def test_a_typical_scam_scores_near_zero():
    assessment = score(supplier_type="broker", unit_price="8.00", email="deals@gmail.com", website="",
                       certification="CE", payment_terms="100% upfront", quantity="500000000",
                       lead_time_days="0", notes="ICPO, NCNDA, proof of funds")
    assert assessment.score == 0


@pytest.mark.parametrize("action, status, role, text, expected", [
    ("approve", "submitted", "vetter", None, "approved"),
    ("start_review", "submitted", "vetter", None, "under_review"),
    ("reject", "under_review", "vetter", "price 10x", "rejected"),
    ("request_info", "under_review", "vetter", "Send the NIOSH letter", "info_requested"),
    ("answer", "info_requested", "supplier", "Attached", "under_review"),
    ("escalate", "under_review", "vetter", "Needs a senior look", "escalated"),
    ("approve_escalated", "escalated", "admin", None, "approved"),
    ("reopen", "rejected", "admin", "New evidence", "under_review"),
])
def test_allowed_transitions(action, status, role, text, expected):
    assert transition(action, status, role, text) == expected


@pytest.mark.parametrize("action, status, role, text, message", [
    ("reject", "under_review", "vetter", "", "give a reason"),
    ("approve", "approved", "vetter", None, "not possible"),
    ("approve_escalated", "escalated", "vetter", None, "not for your role"),
    ("approve", "submitted", "supplier", None, "not for your role"),
    ("answer", "submitted", "supplier", "hi", "not possible"),
    ("launch", "submitted", "admin", None, "Unknown action"),
])
def test_refused_transitions(action, status, role, text, message):
    with pytest.raises(TransitionError, match=message):
        transition(action, status, role, text)


def test_available_actions_follow_the_table():
    assert {a.name for a in available_actions("escalated", "vetter")} == {"request_info"}
    assert {a.name for a in available_actions("submitted", "supplier")} == set()


@pytest.mark.parametrize("kwargs, refused", [
    (dict(actor_id=1, actor_email_domain="lacity.org", lead_owner_id=1, lead_created_by_id=None, lead_email_domain="x.com"), True),
    (dict(actor_id=1, actor_email_domain="lacity.org", lead_owner_id=None, lead_created_by_id=1, lead_email_domain="x.com"), True),
    (dict(actor_id=1, actor_email_domain="acme.com", lead_owner_id=2, lead_created_by_id=2, lead_email_domain="acme.com"), True),
    (dict(actor_id=1, actor_email_domain="gmail.com", lead_owner_id=2, lead_created_by_id=2, lead_email_domain="gmail.com"), False),
    (dict(actor_id=1, actor_email_domain="lacity.org", lead_owner_id=2, lead_created_by_id=None, lead_email_domain="acme.com"), False),
])
def test_self_vetting(kwargs, refused):
    assert (self_vetting_reason(**kwargs) is not None) is refused
