"""A plan a hospital would choose (issue 11 items 16-19): each rule on a small scenario computed by
hand. Every scenario also says what the plan did before the rule (in the comment), so a reader can
see the test would fail without it."""
from decimal import Decimal

from marketplace.domain import geo
from marketplace.domain.allocation import (
    LINE_COST_CENTS,
    Need,
    Offer,
    allocate,
    rank_candidates,
    substitute_penalty_cents,
    unfit_reason,
    unit_cost,
)
from marketplace.domain.money import cents, line_total, total

N95, KN95, GLOVES, GOWN = "n95_respirator", "kn95_respirator", "nitrile_gloves", "isolation_gown"
LA, LONG_BEACH, FRESNO, NYC, HONOLULU = "90012", "90802", "93721", "10001", "96813"


def offer(id, category=N95, quantity=100, price="1.00", postal=LA, risk=None, lead=2):
    return Offer(id, category, quantity, Decimal(price), lead, postal, None, risk)


def need(id=1, category=N95, quantity=100, max_price="1.50", postal=LA, supply=30, substitutes=(), excluded=(),
         due=20):
    return Need(id, category, frozenset(substitutes), quantity, Decimal(max_price), due, postal, supply,
                frozenset(excluded))


def allocated(plan):
    return {(line.need_id, line.offer_id): line.quantity for line in plan.lines}


# --- 16. Declines and refusals are exclusions -------------------------------------------------

def test_a_declined_offer_is_not_proposed_again_for_that_request():
    # Offer 1 is the cheapest; the buyer of request 1 declined it. Before: the next plan proposed
    # offer 1 to request 1 again. Now request 1 takes offer 2, and request 2 (which never declined
    # offer 1) still may take offer 1.
    cheap, dear = offer(1, price="1.00", quantity=100), offer(2, price="1.40", quantity=100)
    declined = need(1, excluded={1})
    assert allocated(allocate([declined], [cheap, dear])) == {(1, 2): 100}
    assert allocated(allocate([declined, need(2)], [cheap, dear])) == {(1, 2): 100, (2, 1): 100}
    # The request's page and a hand proposal use the same rule.
    assert [o.id for o, _, _ in rank_candidates(declined, [cheap, dear])] == [2]
    assert unfit_reason(cheap, declined).startswith("excluded")


def test_a_supplier_refusal_leaves_the_request_unfilled_rather_than_proposed_again():
    # Second example of the kind: the only offer's supplier said it cannot supply this urgent
    # request. Leaving the request empty is right (staff see it); proposing again is not.
    only = offer(1, quantity=500)
    refused = need(1, supply=1, excluded={1})
    assert allocate([refused], [only]).lines == ()
    # An exclusion of an offer that is not in the instance changes nothing.
    assert allocated(allocate([need(1, excluded={99})], [only])) == {(1, 1): 100}


# --- 17. Exact products before substitutes ----------------------------------------------------

def test_exact_n95_nearby_beats_a_cheaper_kn95_far_away():
    # The case: an exact N95 33 km away (vetting score 90) and a KN95 329 km away (score 60)
    # $0.09 cheaper. Before: unit costs 120 + 0 against 111 + 3 cents: the KN95 won.
    assert round(geo.distance_km(LA, LONG_BEACH)) == 33 and round(geo.distance_km(LA, FRESNO)) == 329
    n95 = offer(1, N95, price="1.20", postal=LONG_BEACH, risk=90)
    kn95 = offer(2, KN95, price="1.11", postal=FRESNO, risk=60)
    request = need(substitutes={KN95})
    assert substitute_penalty_cents(request) == 150 + 200 + 1
    assert (unit_cost(n95, request, 33.0), unit_cost(kn95, request, 329.0)) == (120, 111 + 3 + 351)
    assert allocated(allocate([request], [n95, kn95])) == {(1, 1): 100}
    # The request's page ranks by the same rule.
    assert [o.id for o, _, _ in rank_candidates(request, [kn95, n95])] == [1, 2]


def test_a_substitute_fills_what_the_exact_product_cannot():
    # Second example: gowns, the exact offer much dearer ($9.00 against $4.00) but only 60 units for
    # a need of 100. Exact first: 60 exact, the other 40 from the substitute; nothing left unfilled.
    gowns = offer(1, GOWN, quantity=60, price="9.00")
    aprons = offer(2, GLOVES, quantity=500, price="4.00")
    request = need(category=GOWN, max_price="10.00", substitutes={GLOVES})
    assert allocated(allocate([request], [aprons, gowns])) == {(1, 1): 60, (1, 2): 40}


# --- 18. An unknown postal code is never nearer than a known one ------------------------------

def test_unknown_postal_code_is_not_nearer_than_new_york():
    # Request in Los Angeles; same price from New York (3,935 km) and from an unknown ZIP. Before:
    # unknown counted as 2,000 km (20 cents) and beat New York (39 cents).
    known, unknown = offer(1, postal=NYC, quantity=100), offer(2, postal="00000", quantity=100)
    assert allocated(allocate([need()], [unknown, known])) == {(1, 1): 100}
    assert [o.id for o, _, _ in rank_candidates(need(), [unknown, known])] == [1, 2]


def test_unknown_postal_code_is_not_nearer_than_honolulu():
    # Second example: a request in New York, Honolulu 7,980 km away against a postal code that is
    # not a US ZIP at all. Still the known place first.
    known, unknown = offer(1, postal=HONOLULU, quantity=50), offer(2, postal=None, quantity=50)
    plan = allocate([need(postal=NYC, quantity=60)], [unknown, known])
    assert allocated(plan) == {(1, 1): 50, (1, 2): 10}


# --- 18. An urgent request may be served late; time to deliver counts ------------------------

def test_urgent_request_served_late_rather_than_left_empty():
    # The only lot arrives in 5 days. Request 1 has 1 day of supply and is needed in 3 days; request
    # 2 has 30 days. Before: the lot was "too late" for request 1 and went to request 2.
    lot = offer(1, quantity=100, lead=5)
    urgent, relaxed = need(1, supply=1, due=3), need(2, supply=30, due=20)
    plan = allocate([urgent, relaxed], [lot])
    assert allocated(plan) == {(1, 1): 100}
    assert {"code": "late", "params": {"late_days": 2, "days_of_supply": 1}} in plan.lines[0].reasons
    from marketplace.domain.messages import render_reasons
    assert "late: arrives 2 days after the needed-by date (urgent; nothing sooner fits)" in render_reasons(
        plan.lines[0].reasons, "staff")


def test_lateness_has_limits():
    # Second example: an overdue urgent request (needed yesterday, out today) takes stock ready now,
    # one day late; a request with 10 days of supply is never served late; nor is anyone 4 days late.
    assert allocated(allocate([need(1, supply=0, due=-1)], [offer(1, lead=0)])) == {(1, 1): 100}
    assert unfit_reason(offer(1, lead=5), need(supply=10, due=3)) == "ready in 5 days, needed in 3"
    assert unfit_reason(offer(1, lead=7), need(supply=1, due=3)) == "ready in 7 days, needed in 3"
    # Of two late offers, the less late one wins (15 cents a unit a day at a $1.50 maximum).
    # Lead 6: 100 + 15 x (5 days out + 3 late) = 220; lead 4: 140 + 15 x (3 + 1) = 200.
    plan = allocate([need(1, supply=1, due=3)], [offer(1, lead=6, price="1.00"), offer(2, lead=4, price="1.40")])
    assert allocated(plan) == {(1, 2): 100}


def test_a_supplier_1_day_away_beats_one_12_days_away_for_6_days_of_supply():
    # Before: lead time was only a filter: $1.00 in 12 days beat $1.20 tomorrow. Now 6 days without
    # supply cost 6 x 15 cents a unit: 100 + 90 against 120.
    slow, quick = offer(1, lead=12, price="1.00"), offer(2, lead=1, price="1.20")
    request = need(supply=6, due=14)
    assert (unit_cost(slow, request, 0.0), unit_cost(quick, request, 0.0)) == (190, 120)
    assert allocated(allocate([request], [slow, quick])) == {(1, 2): 100}
    assert [o.id for o, _, _ in rank_candidates(request, [slow, quick])] == [2, 1]
    # A request with a month of supply does not pay for time: the cheaper, slower one.
    assert allocated(allocate([need(supply=30, due=14)], [slow, quick])) == {(1, 1): 100}


def test_gloves_ready_now_beat_cheaper_gloves_in_4_days_for_2_days_of_supply():
    # Second example: $0.40 maximum, 4 cents a unit a day; 2 days out of gloves cost 8 cents:
    # ready now at $0.30 (30) beats ready in 4 days at $0.25 (25 + 8).
    now, later = offer(1, GLOVES, lead=0, price="0.30"), offer(2, GLOVES, lead=4, price="0.25")
    request = need(category=GLOVES, max_price="0.40", supply=2, due=10)
    assert allocated(allocate([request], [later, now])) == {(1, 1): 100}


# --- 18. A fixed cost per plan line keeps small requests with one supplier ---------------------

def test_a_1000_glove_request_is_not_split_across_five_suppliers_to_save_a_cent():
    # The case. Five suppliers have 200 gloves each at $0.09, a sixth 5,000 at $0.10; all in
    # Los Angeles, ready in 2 days, a month of supply: the unit cost is the price in cents. Before:
    # five lines, 1,000 x 9 = 9,000 cents. One line from the sixth: 10,000 cents, $10 more, against
    # four lines saved at $25 each ($100): one supplier.
    five = [offer(i, GLOVES, quantity=200, price="0.09") for i in range(1, 6)]
    one = offer(6, GLOVES, quantity=5000, price="0.10")
    request = need(category=GLOVES, quantity=1000, max_price="0.15")
    unconsolidated = allocate([request], [*five, one], line_cost_cents=0)
    assert allocated(unconsolidated) == {(1, i): 200 for i in range(1, 6)}
    plan = allocate([request], [*five, one])
    assert LINE_COST_CENTS == 2500
    assert allocated(plan) == {(1, 6): 1000}
    assert (plan.secondary_cost, plan.lines_saved) == (10_000, 4)
    assert plan.weighted_units == unconsolidated.weighted_units


def test_splitting_stays_where_no_single_offer_has_enough_or_the_split_saves_more_than_the_lines():
    # Second example, twice. (a) 1,000 gloves, offers of 600 at $0.09 and 500 at $0.10: no offer has
    # 1,000 and neither line's units fit in what the other offer has left (0 and 100): 600 + 400.
    a, b = offer(1, GLOVES, quantity=600, price="0.09"), offer(2, GLOVES, quantity=500, price="0.10")
    request = need(category=GLOVES, quantity=1000, max_price="0.15")
    assert allocated(allocate([request], [a, b])) == {(1, 1): 600, (1, 2): 400}
    # (b) A hospital system's 100,000 gloves: five lots of 20,000 at $0.09 against one of 100,000 at
    # $0.10. One line would cost 100,000 cents ($1,000) more to save four lines ($100): split.
    five = [offer(i, GLOVES, quantity=20_000, price="0.09") for i in range(1, 6)]
    big = need(category=GLOVES, quantity=100_000, max_price="0.15")
    plan = allocate([big], [*five, offer(6, GLOVES, quantity=100_000, price="0.10")])
    assert allocated(plan) == {(1, i): 20_000 for i in range(1, 6)} and plan.lines_saved == 0


def test_fewer_lines_when_one_supplier_cannot_take_it_all():
    # Third example: 1,000 units, offers A 700 at $0.09, B 200 at $0.08, C 300 at $0.10. The flow:
    # B 200 + A 700 + C 100 = 1,600 + 6,300 + 1,000 = 8,900 cents, three lines. No offer has 1,000.
    # B's 200 units fit in what C has left (200): +200 x (10 - 8) = 400 cents ($4) to save a line
    # ($25): A 700 + C 300 = 9,300 cents. C's 100 units fit nowhere else (A and B are empty).
    offers = [offer(1, GLOVES, quantity=700, price="0.09"), offer(2, GLOVES, quantity=200, price="0.08"),
              offer(3, GLOVES, quantity=300, price="0.10")]
    request = need(category=GLOVES, quantity=1000, max_price="0.15")
    assert allocated(allocate([request], offers, line_cost_cents=0)) == {(1, 1): 700, (1, 2): 200, (1, 3): 100}
    plan = allocate([request], offers)
    assert allocated(plan) == {(1, 1): 700, (1, 3): 300}
    assert (plan.secondary_cost, plan.lines_saved) == (9_300, 1)


def test_consolidation_never_takes_units_another_request_holds():
    # Fourth example: the $0.10 supplier has 1,000 units, but an urgent request (1 day of supply)
    # takes 600 of them first. The other request's five cheap lines cannot move to it (400 left):
    # it stays split, and the urgent request keeps its 600 units.
    five = [offer(i, GLOVES, quantity=200, price="0.09") for i in range(1, 6)]
    one = offer(6, GLOVES, quantity=1000, price="0.10")
    urgent = need(2, category=GLOVES, quantity=600, max_price="0.15", supply=1, due=5, excluded={1, 2, 3, 4, 5})
    relaxed = need(1, category=GLOVES, quantity=1000, max_price="0.15")
    plan = allocate([relaxed, urgent], [*five, one])
    assert allocated(plan) == {(2, 6): 600, **{(1, i): 200 for i in range(1, 6)}}


def test_a_request_consolidated_early_is_looked_at_again_when_a_later_move_frees_units():
    # Fifth example (a Hypothesis case, rebuilt by hand). Urgent request 1 (2 units, needed in 3 days,
    # at most $0.55) fits offer 1 (2 units at $0.50, ready in 5 days: 50 + 7 days x 6 = 92 cents a unit
    # for it) and offer 2 (1 unit at $0.30, ready now: 30). Relaxed request 2 (2 units) also fits
    # offer 1 (50), offer 3 (1 unit at $0.40, ready in 10 days: 40) and offer 4 (2 units at $0.60:
    # 60, above request 1's maximum). The flow: request 1 takes offers 2 + 1, request 2 offers 3 + 1.
    # The pass looks at request 1 first: offer 1 has nothing left, no move. Then request 2 moves to
    # offer 4 alone (120 + 2,500 < 90 + 5,000 cents), which frees a unit of offer 1. Before: request 1
    # was not looked at again and kept two lines (30 + 92 + 5,000) where offer 1 alone serves it for
    # 2 x 92 + 2,500 cents. The pass now repeats until no move is made.
    offers = [offer(1, quantity=2, price="0.50", lead=5), offer(2, quantity=1, price="0.30", lead=0),
              offer(3, quantity=1, price="0.40", lead=10), offer(4, quantity=2, price="0.60", lead=0)]
    urgent = need(1, quantity=2, max_price="0.55", supply=0, due=3)
    relaxed = need(2, quantity=2, max_price="1.00", supply=30, due=30)
    assert unit_cost(offers[0], urgent, 0.0) == 92
    flow = allocate([urgent, relaxed], offers, line_cost_cents=0)
    assert allocated(flow) == {(1, 1): 1, (1, 2): 1, (2, 1): 1, (2, 3): 1}
    plan = allocate([urgent, relaxed], offers)
    assert allocated(plan) == {(1, 1): 2, (2, 4): 2}
    assert (plan.secondary_cost, plan.lines_saved) == (2 * 92 + 2 * 60, 2)
    assert plan.weighted_units == flow.weighted_units


# --- 18. Near misses ---------------------------------------------------------------------------

def test_near_misses():
    from marketplace.domain.allocation import near_miss

    request = need(max_price="1.49", supply=2, due=3)
    assert near_miss(offer(1, price="1.50"), request) == "$1.50 a unit is above the buyer's maximum of $1.49"
    assert near_miss(offer(1, price="1.57"), request) is None           # more than 5% over
    assert near_miss(offer(1, lead=8), request) == "ready in 8 days, needed in 3"  # 3 + 3 late + 2
    assert near_miss(offer(1, lead=10), request) is None                # 4 days past what may be
    assert near_miss(offer(1, GLOVES, price="0.10"), request) is None   # wrong product: no near miss
    assert near_miss(offer(1), request) is None                         # fits: not a miss
    assert near_miss(offer(1, price="1.50"), need(max_price="1.49", excluded={1})) is None


# --- 18. Equally urgent requests share scarce supply in proportion to need --------------------

def test_two_equally_urgent_requests_share_500_units():
    # 500 units in Los Angeles, two requests of 500 with 5 days left, one next door, one in New York.
    # Before: the distance tie-break gave Los Angeles all 500 and New York none. Now 250 each: each
    # tenth beyond the first costs 201 cents a unit more, above any distance charge (at most 200).
    plan = allocate([need(1, quantity=500, supply=5), need(2, quantity=500, supply=5, postal=NYC)],
                    [offer(1, quantity=500)])
    assert allocated(plan) == {(1, 1): 250, (2, 1): 250}
    assert plan.share_cost == 2 * 50 * 201 * (0 + 1 + 2 + 3 + 4)


def test_shares_are_in_proportion_to_need_and_urgency_still_comes_first():
    # Second example: requests of 200 and 800 units, equally urgent: 500 units split 100 / 400
    # (five tenths each). A more urgent third request is served in full first.
    needs = [need(1, quantity=200, supply=20), need(2, quantity=800, supply=20)]
    assert allocated(allocate(needs, [offer(1, quantity=500)])) == {(1, 1): 100, (2, 1): 400}
    urgent = need(3, quantity=300, supply=1)
    assert allocated(allocate([*needs, urgent], [offer(1, quantity=800)])) == {
        (1, 1): 100, (2, 1): 400, (3, 1): 300}


def test_share_slices():
    from marketplace.domain.allocation import fair_share_cost, share_slices

    assert share_slices(3) == [1, 0, 0, 1, 0, 0, 1, 0, 0, 0]
    assert share_slices(1000) == [100] * 10
    assert fair_share_cost(1000, 150) == 50 * 201
    assert fair_share_cost(3, 3) == 3 * 201 + 6 * 201


# --- 19. Money summed exactly -----------------------------------------------------------------

def test_plan_total_is_the_exact_sum_of_its_lines():
    # 3,000 units at $7.5449: $22,634.70. Before: 755 cents a unit (rounded first) = $22,650.00.
    plan = allocate([need(quantity=3000, max_price="8")], [offer(1, quantity=3000, price="7.5449")])
    assert plan.cost == Decimal("22634.7000")
    assert plan.cost_cents == 2_263_470


def test_sub_cent_gloves_are_not_rounded_away():
    # Second example: 10,000 gloves at $0.0349 from one offer and 5,000 at $0.0351 from another:
    # $349.00 + $175.50 = $524.50. Rounded first it was 3 and 4 cents: $300 + $200 = $500.
    offers = [offer(1, GLOVES, 10_000, "0.0349"), offer(2, GLOVES, 5_000, "0.0351")]
    plan = allocate([need(category=GLOVES, quantity=15_000, max_price="0.05")], offers)
    assert plan.cost == Decimal("524.5") and plan.cost_cents == 52_450
    assert plan.cost == total((line.quantity, line.unit_price) for line in plan.lines)


def test_money_rule():
    assert line_total(1000, Decimal("0.0335")) == Decimal("33.5")
    assert total([]) == 0
    assert cents(Decimal("0.035")) == 4 and cents(Decimal("22680.004")) == 2_268_000


def test_which_ends_of_a_match_exclude_the_pair():
    from marketplace.domain.match_status import CLOSE_REASONS, MATCH_STATUSES, excludes_pair

    excluding = {(status, reason) for status, _ in MATCH_STATUSES for reason in (None, *dict(CLOSE_REASONS))
                 if excludes_pair(status, reason)}
    assert {status for status, _ in excluding} == {"declined", "closed"}
    assert {reason for status, reason in excluding if status == "closed"} == {"no_supply", "buyer_prefers_another"}
