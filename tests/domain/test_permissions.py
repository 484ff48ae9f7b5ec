"""Who may see what, as tables over role, ownership, status and verification (no app needed)."""
from __future__ import annotations

import pytest

from marketplace.domain.demand import STATUS_OPEN, STATUS_WITHDRAWN
from marketplace.domain.lead_status import APPROVED, ESCALATED, INFO_REQUESTED, REJECTED, SUBMITTED, UNDER_REVIEW
from marketplace.domain.match_status import ACCEPTED, CLOSED, DECLINED, DELIVERED, ORDERED, PROPOSED
from marketplace.domain.permissions import (
    buyer_may_act,
    buyer_sees_contacts,
    match_party,
    may_decide_join,
    may_edit_lead,
    may_edit_request,
    may_post,
    may_view_lead,
    may_view_request,
    supplier_sees_buyer,
)

ME, OTHER = 1, 2          # user ids
MY_ORG, OTHER_ORG = 10, 20  # organisation ids
ALL_MATCH_STATUSES = (PROPOSED, ACCEPTED, DECLINED, ORDERED, DELIVERED, CLOSED)
CONTACT = {ACCEPTED, ORDERED, DELIVERED}


# --- leads ------------------------------------------------------------------------------------

@pytest.mark.parametrize("role, owner_id, expected", [
    ("supplier", ME, True),
    ("supplier", OTHER, False),
    ("supplier", None, False),       # imported by the city: no supplier owns it
    ("buyer", ME, False),            # buyers never see leads, even with a matching id
    ("vetter", OTHER, True),
    ("vetter", None, True),
    ("admin", OTHER, True),
    ("nobody", ME, False),           # an unknown role is denied
])
def test_may_view_lead(role, owner_id, expected):
    assert may_view_lead(role, ME, owner_id) is expected


@pytest.mark.parametrize("role, owner_id, status, expected", [
    ("supplier", ME, SUBMITTED, True),
    ("supplier", ME, INFO_REQUESTED, True),
    ("supplier", ME, UNDER_REVIEW, False),
    ("supplier", ME, ESCALATED, False),
    ("supplier", ME, APPROVED, False),
    ("supplier", ME, REJECTED, False),
    ("supplier", OTHER, SUBMITTED, False),
    ("supplier", None, SUBMITTED, False),
    ("vetter", OTHER, SUBMITTED, False),   # staff change leads only by deciding
    ("admin", ME, SUBMITTED, False),
    ("buyer", ME, SUBMITTED, False),
])
def test_may_edit_lead(role, owner_id, status, expected):
    assert may_edit_lead(role, ME, owner_id, status) is expected


# --- demand requests --------------------------------------------------------------------------

@pytest.mark.parametrize("role, verified, expected", [
    ("buyer", True, True),
    ("buyer", False, False),
    ("buyer", None, False),          # a buyer without an organisation
    ("supplier", True, False),
    ("vetter", True, False),
    ("admin", True, False),
])
def test_may_post(role, verified, expected):
    assert may_post(role, verified) is expected


@pytest.mark.parametrize("role, my_org, request_org, expected", [
    ("buyer", MY_ORG, MY_ORG, True),
    ("buyer", MY_ORG, OTHER_ORG, False),
    ("buyer", None, None, False),    # no organisation is nobody's organisation
    ("buyer", None, MY_ORG, False),
    ("supplier", MY_ORG, MY_ORG, False),  # a supplier in the same organisation id still sees nothing
    ("vetter", None, OTHER_ORG, True),
    ("admin", None, OTHER_ORG, True),
])
def test_may_view_request(role, my_org, request_org, expected):
    assert may_view_request(role, my_org, request_org) is expected


@pytest.mark.parametrize("role, my_org, request_org, status, verified, expected", [
    ("buyer", MY_ORG, MY_ORG, STATUS_OPEN, True, True),
    ("buyer", MY_ORG, MY_ORG, STATUS_OPEN, False, False),  # unverified (or revoked): reads, never withdraws
    ("buyer", MY_ORG, MY_ORG, STATUS_WITHDRAWN, True, False),
    ("buyer", MY_ORG, OTHER_ORG, STATUS_OPEN, True, False),
    ("buyer", None, None, STATUS_OPEN, None, False),
    ("vetter", None, MY_ORG, STATUS_OPEN, None, False),  # staff see requests but never edit them
    ("admin", MY_ORG, MY_ORG, STATUS_OPEN, True, False),
    ("supplier", MY_ORG, MY_ORG, STATUS_OPEN, True, False),
])
def test_may_edit_request(role, my_org, request_org, status, verified, expected):
    assert may_edit_request(role, my_org, request_org, status, verified) is expected


def test_editing_a_request_implies_seeing_it():
    for role in ("buyer", "supplier", "vetter", "admin"):
        for my_org in (MY_ORG, None):
            for request_org in (MY_ORG, OTHER_ORG, None):
                for status in (STATUS_OPEN, STATUS_WITHDRAWN):
                    for verified in (True, False, None):
                        if may_edit_request(role, my_org, request_org, status, verified):
                            assert may_view_request(role, my_org, request_org)


@pytest.mark.parametrize("verified, expected", [(True, True), (False, False), (None, False)])
def test_only_a_verified_organisations_buyer_acts(verified, expected):
    assert buyer_may_act(verified) is expected


@pytest.mark.parametrize("role, my_org, verified, join_org, expected", [
    ("admin", None, None, MY_ORG, True),        # city staff decide every join request
    ("buyer", MY_ORG, True, MY_ORG, True),      # the organisation's own people, once it is verified
    ("buyer", MY_ORG, False, MY_ORG, False),    # a member of an unverified organisation may be the squatter
    ("buyer", OTHER_ORG, True, MY_ORG, False),  # another organisation's buyer
    ("buyer", None, None, MY_ORG, False),       # a buyer without an organisation (another applicant)
    ("vetter", None, None, MY_ORG, False),
    ("supplier", MY_ORG, True, MY_ORG, False),
])
def test_may_decide_join(role, my_org, verified, join_org, expected):
    assert may_decide_join(role, my_org, verified, join_org) is expected


# --- matches ----------------------------------------------------------------------------------

@pytest.mark.parametrize("role, my_org, buyer_org, supplier_id, expected", [
    ("buyer", MY_ORG, MY_ORG, OTHER, "buyer"),
    ("buyer", MY_ORG, OTHER_ORG, OTHER, None),
    ("buyer", None, None, OTHER, None),
    ("buyer", MY_ORG, OTHER_ORG, ME, None),      # a buyer is never the supplier, whatever the ids
    ("supplier", MY_ORG, OTHER_ORG, ME, "supplier"),
    ("supplier", MY_ORG, OTHER_ORG, OTHER, None),
    ("supplier", MY_ORG, MY_ORG, OTHER, None),   # a supplier is never the buyer, whatever the ids
    ("supplier", MY_ORG, OTHER_ORG, None, None),  # a city-imported lead has no supplier account
    ("vetter", None, OTHER_ORG, OTHER, "vetter"),
    ("admin", None, OTHER_ORG, OTHER, "admin"),
    ("nobody", MY_ORG, MY_ORG, ME, None),
])
def test_match_party(role, my_org, buyer_org, supplier_id, expected):
    assert match_party(role, ME, my_org, buyer_organisation_id=buyer_org, supplier_id=supplier_id) == expected


@pytest.mark.parametrize("party", ["buyer", "supplier", "vetter", "admin", None])
@pytest.mark.parametrize("verified", [True, False, None])
@pytest.mark.parametrize("status", ALL_MATCH_STATUSES)
def test_buyer_sees_contacts(party, verified, status):
    expected = party in ("vetter", "admin") or (party == "buyer" and verified is True and status in CONTACT)
    assert buyer_sees_contacts(party, verified, status) is expected


@pytest.mark.parametrize("status", ALL_MATCH_STATUSES)
def test_supplier_sees_buyer_once_accepted(status):
    assert supplier_sees_buyer(status) is (status in CONTACT)
