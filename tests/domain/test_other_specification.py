"""Item 18 of issue 11: "other" needs its specification to match. A request in category "other"
matches only "other" offers whose description fits its specification; without a specification it
matches none. Before the rule, "other: thermometers" was matched to "other: body bags"."""
from decimal import Decimal

import pytest

from marketplace.domain.allocation import (
    Need,
    Offer,
    allocate,
    fitting_pairs,
    rank_candidates,
    specification_fits,
    unfit_reason,
)

OTHER, N95, LA = "other", "n95_respirator", "90012"


def offer(id, description, category=OTHER, price="1.00"):
    return Offer(id, category, 100, Decimal(price), 2, LA, None, None, description)


def need(id=1, specification="", category=OTHER, substitutes=()):
    return Need(id, category, frozenset(substitutes), 100, Decimal("5.00"), 20, LA, 30,
                specification=specification)


@pytest.mark.parametrize("specification, description, fits", [
    ("thermometers", "Body bags, heavy duty, 36 inch zipper", False),           # the example
    ("thermometers", "Infrared thermometer, non-contact, FDA cleared", True),
    ("Pulse oximeter, fingertip, adult", "Folding aluminium stretcher", False),  # a second example
    ("Pulse oximeter, fingertip, adult", "Fingertip pulse oximeters (box of 10)", True),
    ("thermometr infrared", "Digital thermometer", True),                       # a misspelling
    ("face shields", "Face shield, anti-fog, full length", True),               # plural and singular
    ("other product, any size", "Other product, size M, standard", False),      # only filler words shared
    ("", "Infrared thermometer", False),                                        # no specification
    ("thermometers", "", False),                                                # no description
])
def test_specification_fits(specification, description, fits):
    assert specification_fits(specification, description) is fits


def test_other_request_takes_only_the_fitting_other_offer():
    # Before: the cheaper body bags (1.00) were allocated to the thermometer request.
    bags, thermometers = offer(1, "Body bags, adult", price="1.00"), offer(2, "Infrared thermometers", price="2.00")
    request = need(specification="thermometers, infrared, non-contact")
    plan = allocate([request], [bags, thermometers])
    assert {(line.need_id, line.offer_id): line.quantity for line in plan.lines} == {(1, 2): 100}
    assert [o.id for o, _, _ in rank_candidates(request, [bags, thermometers])] == [2]
    assert unfit_reason(bags, request) == "wrong product: the offer's description does not fit the request's specification"


def test_other_request_without_specification_matches_nothing():
    request = need(specification="  ")
    assert allocate([request], [offer(1, "Infrared thermometers")]).lines == ()
    assert unfit_reason(offer(1, "Infrared thermometers"), request).startswith("no specification")


def test_other_as_a_substitute_also_needs_the_specification():
    # A gown request that accepts "other" takes an other offer only if it fits the specification;
    # ordinary categories are unaffected by the specification.
    request = need(category="isolation_gown", substitutes={OTHER}, specification="gown level 2")
    coveralls, gowns = offer(1, "Coveralls, Tyvek"), offer(2, "Surgical gowns, AAMI level 2")
    pairs = fitting_pairs([request], [coveralls, gowns])
    assert pairs.offer.tolist() == [1]
    n95 = Offer(3, N95, 100, Decimal("1.00"), 2, LA, None, None, "")
    assert unfit_reason(n95, need(category=N95)) is None


def test_many_pairs_filter_like_the_single_rule():
    needs = [need(1, "thermometers"), need(2, "body bags"), need(3, ""), need(4, "stretcher", category=N95,
                                                                                 substitutes={OTHER})]
    offers = [offer(1, "Body bag"), offer(2, "Thermometer"), offer(3, "Folding stretchers"),
              Offer(4, N95, 100, Decimal("1.00"), 2, LA, None, None, "")]
    pairs = fitting_pairs(needs, offers)
    got = set(zip(pairs.need.tolist(), pairs.offer.tolist()))
    expected = {(i, j) for i, n in enumerate(needs) for j, o in enumerate(offers) if unfit_reason(o, n) is None}
    assert got == expected == {(0, 1), (1, 0), (3, 2), (3, 3)}
