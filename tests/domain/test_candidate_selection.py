"""Blocking keys and the choice of whom a new lead is compared with (domain.dedup), no app.

The kinds of lead these keys are for come from bench/leads_synth (see bench/dedup_leads): the same
supplier with another name order, a second address line or a missing phone, and a generic name
("pacific medical supply") shared by more leads than a new lead is compared with.
"""
from decimal import Decimal

import pytest

from marketplace.domain.dedup import (
    LEAD_MATCH_SPEC,
    MAX_COMPARED_PER_CLUSTER,
    REVIEW_PROBABILITY,
    capped_candidates,
    compare_candidates,
    lead_blocking_keys,
    lead_record,
)
from marketplace.domain.leads import LeadFacts
from marketplace.domain.normalise import normalise_lead


def record(**fields):
    """The dedup record of a lead with only the identity ``fields`` (the rest do not count)."""
    values = {"company_name": "", "email": "", "country": "US", **fields}
    facts = LeadFacts(supplier_type="other", product_category="other", quantity=1, unit_price=Decimal(1), **values)
    return lead_record(normalise_lead(facts), facts.contact_name)


def shared(a, b):
    return lead_blocking_keys(a) & lead_blocking_keys(b)


def test_the_same_address_in_a_city_is_a_key_despite_a_second_line_and_abbreviations():
    # US: free-mail on both, one without phone, the name written differently, the ZIP damaged on one.
    a = record(company_name="Pacific Health Supplies", email="pacifichealt@yahoo.com", street="6762 Main Street",
               city="Newark", postal_code="7113")
    b = record(company_name="Pacific Health Supply LLC", email="pacifich_sales@yahoo.com", phone="(973) 243-1272",
               street="6762 Main St., Suite 200", city="Newark", postal_code="07113")
    assert "addr:newark|6762|mai" in shared(a, b)
    # Germany: the house number after the street name, a unit on one of them.
    c = record(company_name="Zimmermann Medizintechnik", street="Gewerbering 34", city="Köln", country="DE")
    d = record(company_name="Zimmermann Medizintecnik UG", street="Gewerbering 34, Unit 7", city="Köln", country="DE")
    assert "addr:koln|34|gew" in shared(c, d)


def test_an_address_without_a_house_number_or_a_city_is_no_key():
    assert not any(k.startswith("addr:") for k in lead_blocking_keys(record(street="Main Street", city="Boston")))
    assert not any(k.startswith("addr:") for k in lead_blocking_keys(record(street="12 Main Street")))


def test_name_words_in_another_order_meet_within_a_city():
    a = record(company_name="Guangzhou Xiangxin Protective Products Co., Ltd.", city="Guangzhou", country="CN")
    b = record(company_name="Xiangxin Protective Products (Guangzhou) Co., Ltd", city="Guangzhou", country="CN")
    assert any(k.startswith("namecity:") for k in shared(a, b))


def test_a_popular_name_is_narrowed_by_city_and_by_contact():
    a = record(company_name="Pacific Medical Supply", city="Fresno", contact_name="Ann Wu")
    b = record(company_name="Pacific Medical Supply Inc.", city="Fresno", contact_name="Ann Wu", street="1 Elm St")
    c = record(company_name="Pacific Medical Supply", city="Miami", contact_name="Ann Wu")
    assert {"namecity:fresno|medical pacific supply", "namecontact:ann wu|paci"} <= shared(a, b)
    assert "namecity:fresno|fresno" in lead_blocking_keys(record(company_name="Fresno", city="Fresno"))
    assert shared(a, c) == {"name:pacific medical supply", "namecontact:ann wu|paci"}


def test_keys_are_bounded_in_length():
    long = record(company_name="A" * 150 + " Medical", city="B" * 90, contact_name="C" * 100, street="1 " + "D" * 150)
    assert all(len(k) <= 160 for k in lead_blocking_keys(long))


def test_within_a_cluster_the_members_sharing_most_keys_are_compared_first():
    new = record(company_name="Harbor Industrial", phone="(562) 555-0199", street="9 Ocean Blvd", city="Long Beach")
    old_address = record(company_name="Harbor Industrial", street="1 Pier Ave", city="Long Beach")
    # Cluster 1: six leads from the old address (ids 1..6), then one from the new one (id 7).
    candidates = [(i, 1, old_address) for i in range(1, 7)] + [(7, 1, new)]
    counts = {i: 1 for i in range(1, 7)} | {7: 3}
    matches, compared = compare_candidates(new, candidates, LEAD_MATCH_SPEC, shared_keys=counts)
    assert 7 in compared and len(compared) == MAX_COMPARED_PER_CLUSTER
    assert matches[7].probability >= REVIEW_PROBABILITY
    # Without counts: the oldest members, as before.
    _, oldest = compare_candidates(new, candidates, LEAD_MATCH_SPEC)
    assert oldest == {1, 2, 3, 4, 5}


@pytest.mark.parametrize("cluster_ids", [(None, None, None), (10, 11, 12)])
def test_leads_in_no_cluster_or_in_their_own_are_each_compared(cluster_ids):
    new = record(company_name="Sierra Glove Supply", phone="(559) 555-0101", city="Fresno")
    others = [(n + 1, cluster, record(company_name="Sierra Glove Supply", phone="(559) 555-0101", city="Fresno"))
              for n, cluster in enumerate(cluster_ids)]
    matches, compared = compare_candidates(new, others)
    assert compared == {1, 2, 3} and set(matches) == {1, 2, 3}


def test_candidates_are_the_oldest_per_key_counted_once_per_key():
    by_key = {"name:pacific medical supply": [1, 2, 3, 4, 5], "addr:fresno|77|oli": [4, 9], "phone:+1": [9]}
    found = capped_candidates(by_key, ["name:pacific medical supply", "addr:fresno|77|oli", "phone:+1"],
                              exclude=2, cap=3)
    assert found == {1: 1, 3: 1, 4: 2, 9: 2}   # 5 is beyond the cap of the popular name; 2 is the lead itself
