"""Blocking keys and the choice of whom a new lead is compared with (domain.dedup), no app.

The kinds of lead these keys are for come from bench/leads_synth (see bench/dedup_leads): the same
supplier with another name order, a second address line or a missing phone, and a generic name
("pacific medical supply") shared by more leads than a new lead is compared with.
"""
from decimal import Decimal

import pytest

from marketplace.domain.dedup import (
    LEAD_MATCH_SPEC,
    MAX_CANDIDATES_PER_KEY,
    MAX_COMPARED_PER_CLUSTER,
    REVIEW_PROBABILITY,
    candidate_groups,
    capped_candidates,
    chosen_candidates,
    compare_candidates,
    lead_blocking_keys,
    lead_record,
    reads_newer,
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


def test_within_a_group_the_members_sharing_most_keys_are_compared_first():
    new = record(company_name="Harbor Industrial", phone="(562) 555-0199", street="9 Ocean Blvd", city="Long Beach")
    old_address = record(company_name="Harbor Industrial", street="1 Pier Ave", city="Long Beach")
    # One group: six leads from the old address (ids 1..6), then one from the new one (id 7), linked.
    candidates = [(i, old_address) for i in range(1, 7)] + [(7, new)]
    links = [(i, 1) for i in range(2, 8)]
    counts = {i: 1 for i in range(1, 7)} | {7: 3}
    matches, compared = compare_candidates(new, candidates, links, LEAD_MATCH_SPEC, shared_keys=counts)
    assert 7 in compared and len(compared) == MAX_COMPARED_PER_CLUSTER
    assert matches[7].probability >= REVIEW_PROBABILITY
    # Without counts: the oldest members, as before.
    _, oldest = compare_candidates(new, candidates, links, LEAD_MATCH_SPEC)
    assert oldest == {1, 2, 3, 4, 5}


@pytest.mark.parametrize("links", [[], [(1, 9), (2, 8), (3, 9)]])
def test_candidates_not_linked_among_themselves_are_each_compared(links):
    # Links to leads that are not candidates (8, 9) do not group the candidates.
    new = record(company_name="Sierra Glove Supply", phone="(559) 555-0101", city="Fresno")
    others = [(n, record(company_name="Sierra Glove Supply", phone="(559) 555-0101", city="Fresno")) for n in (1, 2, 3)]
    matches, compared = compare_candidates(new, others, links, per_cluster=1)
    assert compared == {1, 2, 3} and set(matches) == {1, 2, 3}


def test_groups_are_the_links_among_the_candidates_whatever_order_they_come_in():
    # Two chains, 1-2-3 and 4-5: two groups named by their smallest id; 6 alone.
    links = [(3, 2), (2, 1), (5, 4)]
    assert candidate_groups([1, 2, 3, 4, 5, 6], links) == {1: 1, 2: 1, 3: 1, 4: 4, 5: 4, 6: 6}
    assert candidate_groups([6, 5, 4, 3, 2, 1], reversed(links)) == {1: 1, 2: 1, 3: 1, 4: 4, 5: 4, 6: 6}
    new = record(company_name="Sierra Glove Supply", phone="(559) 555-0101", city="Fresno")
    same = record(company_name="Sierra Glove Supply", phone="(559) 555-0101", city="Fresno")
    candidates = [(n, same) for n in range(1, 7)]
    _, compared = compare_candidates(new, candidates, links, per_cluster=1)
    _, again = compare_candidates(new, list(reversed(candidates)), list(reversed(links)), per_cluster=1)
    assert compared == again == {1, 4, 6}


def test_candidates_are_the_oldest_older_leads_per_key_counted_once_per_key():
    by_key = {"name:pacific medical supply": [1, 2, 3, 4, 5, 12], "addr:fresno|77|oli": [4, 9, 12],
              "phone:+1": [9, 12]}
    found = capped_candidates(by_key, ["name:pacific medical supply", "addr:fresno|77|oli", "phone:+1"],
                              before=10, cap=3)
    # 4 and 5 are beyond the cap of the popular name; 12 is newer than the lead (10): it compares itself.
    assert found == {1: 1, 2: 1, 3: 1, 4: 1, 9: 2}


def test_a_lead_among_the_first_holders_of_a_key_is_read_by_every_newer_holder():
    assert reads_newer(0) and reads_newer(MAX_CANDIDATES_PER_KEY - 1)
    assert not reads_newer(MAX_CANDIDATES_PER_KEY)


def test_whom_a_lead_is_compared_with_changes_only_through_a_groups_first_members():
    # What the bounded repair (services.processing) relies on: the choice is a function of the
    # candidates, their shared keys and the links among them, and is what compare_candidates compares.
    same = record(company_name="Sierra Glove Supply", phone="(559) 555-0101", city="Fresno")
    group = list(range(1, 9))
    links = [(n, 1) for n in group[1:]]
    assert chosen_candidates(group, links) == [1, 2, 3, 4, 5]
    assert compare_candidates(same, [(n, same) for n in group], links)[1] == {1, 2, 3, 4, 5}
    # A late member past the group's first five (6, linked to 1) changes nothing; so does losing one.
    assert chosen_candidates([n for n in group if n != 6], links) == chosen_candidates(group, links)
    # One that joins two groups does (the second group's members are no longer compared), and so
    # does one that shares more keys than the first five.
    assert chosen_candidates(group + [20, 21], links + [(21, 20)]) == [1, 2, 3, 4, 5, 20, 21]
    assert chosen_candidates(group + [20, 21], links + [(21, 20), (20, 6)]) == [1, 2, 3, 4, 5]
    assert chosen_candidates(group, links, shared_keys={7: 2}) == [7, 1, 2, 3, 4]
