"""The match lifecycle: one transition table for every change of a match's status (issue 4).

A match is a proposal of some units of one approved lead to one demand request. From the moment
it is proposed until it is declined or closed, its units count against both the lead's supply and
the request's need, so no plan ever promises the same boxes twice; accepting makes it firm
(reserved for that buyer), and declining or closing gives the units back and starts re-matching.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from .catalog import STAFF_ROLES, label
from .dates import DateError, parse_date
from .errors import FieldError
from .i18n import N_, _, format_day
from .text import REASON_MAX_LENGTH, length_refusal

PROPOSED = "proposed"
ACCEPTED = "accepted"
DECLINED = "declined"
ORDERED = "ordered"
DELIVERED = "delivered"
CLOSED = "closed"

MATCH_STATUSES: tuple[tuple[str, str], ...] = (
    (PROPOSED, N_("Proposed")),
    (ACCEPTED, N_("Accepted")),
    (DECLINED, N_("Declined")),
    (ORDERED, N_("Ordered")),
    (DELIVERED, N_("Delivered")),
    (CLOSED, N_("Closed")),
)

# Statuses whose units are taken from the lead's supply and count toward the request's need.
HOLDING_STATUSES = (PROPOSED, ACCEPTED, ORDERED, DELIVERED)


def units_left(quantity: int, held: int) -> int:
    """The units a request still needs, or an approved offer has free: its ``quantity`` less the
    units its matches hold (HOLDING_STATUSES), never below 0. The one rule of the dashboard's
    "Still needed" and "Free approved supply", the lists they link to and their columns
    (services.held.units_left is the same rule in SQL)."""
    return max(0, int(quantity or 0) - int(held or 0))
# Statuses in which a buyer in a verified organisation sees the supplier's contact details.
CONTACT_STATUSES = frozenset({ACCEPTED, ORDERED, DELIVERED})
# Statuses still in progress (shown first, and the ones a withdrawn request must end).
ACTIVE_STATUSES = (PROPOSED, ACCEPTED, ORDERED)
# Statuses of a contract under way: the buyer accepted and the goods are not delivered yet. The city
# never cancels these on its own (a deactivated account, a withdrawn verification): staff follow up.
IN_PROGRESS_STATUSES = (ACCEPTED, ORDERED)

CLOSE_REASONS: tuple[tuple[str, str], ...] = (
    ("no_supply", N_("No supply: the supplier cannot deliver")),
    ("supplier_unreachable", N_("Could not reach the supplier")),
    ("buyer_unreachable", N_("Could not reach the buyer")),
    ("buyer_prefers_another", N_("The buyer prefers another offer")),
    ("request_withdrawn", N_("The buyer withdrew the request")),
    ("supplier_not_approved", N_("The city no longer approves this offer")),
    ("request_closed", N_("The buyer no longer needs the rest of the request")),
    # A supplier confirmed the offer with a higher price or more units: it is vetted again, and no
    # proposal may show a price the supplier no longer honours (services.quotes.confirm_quote).
    ("offer_changed", N_("The supplier changed the offer's price or quantity; the city vets it again")),
    # The city deactivated the account of the supplier, or of the last active buyer of the
    # organisation (services.matches.close_for_deactivation): a proposal nobody can honour or accept.
    ("supplier_deactivated", N_("The city deactivated the supplier's account")),
    ("buyer_deactivated", N_("The buyer's organisation has no active account any more")),
)
# The reasons a person chooses; the others are set by the system when their event happens.
CHOSEN_CLOSE_REASONS = CLOSE_REASONS[:4]
# Which of them each party may choose (issue 11 item 10): a buyer never says "could not reach the
# buyer"; a supplier closes with "Cannot supply" (no_supply, its own action) or, once the buyer is
# known, "Could not reach the buyer"; staff choose any.
_CHOSEN_BY_PARTY: dict[str, tuple[str, ...]] = {
    "buyer": ("no_supply", "supplier_unreachable", "buyer_prefers_another"),
    "supplier": ("no_supply", "buyer_unreachable"),
}
# A reason as the party choosing it says it of itself (the others are the same for every reader).
_OWN_WORDS: dict[str, dict[str, str]] = {
    "buyer": {"buyer_prefers_another": N_("We prefer another offer")},
}


def close_reasons_for(party: str | None) -> tuple[tuple[str, str], ...]:
    """The (code, label) close reasons ``party`` ("buyer", "supplier" or a staff role) may choose;
    the only place the list is cut by role (the form and match_transition both read it)."""
    allowed = _CHOSEN_BY_PARTY.get(party or "")
    if allowed is None:
        return CHOSEN_CLOSE_REASONS if party in STAFF_ROLES else ()
    own = _OWN_WORDS.get(party or "", {})
    return tuple((code, own.get(code, text)) for code, text in CHOSEN_CLOSE_REASONS if code in allowed)
# Closed for one of these, the lead is never proposed to that request again (issue 11 item 16),
# as after a buyer's decline: the supplier said it cannot supply it, or the buyer chose another.
# The other reasons (unreachable, withdrawn, no longer approved) say nothing about the pair.
EXCLUDING_CLOSE_REASONS = frozenset({"no_supply", "buyer_prefers_another"})


def excludes_pair(status: str, close_reason: str | None) -> bool:
    """A match in this state keeps its lead out of every later plan for its request."""
    return status == DECLINED or (status == CLOSED and close_reason in EXCLUDING_CLOSE_REASONS)

STAFF = frozenset(STAFF_ROLES)


@dataclass(frozen=True)
class MatchAction:
    name: str
    label: str
    sources: frozenset[str]
    target: str | None               # None: the status stays (see delivery_date)
    parties: frozenset[str]          # "buyer", "supplier" (of this match) or a staff role
    needs: str | None = None         # "reason" (free text), "note" (who said so; free text) or "close_reason"
    returns_units: bool = False      # the units go back to supply and need: re-match
    close_reason: str | None = None  # the reason this action always closes with (no choice asked)
    # The expected delivery date the action takes (issue 12 item 1): None (none), "optional" or
    # "required". The status is kept when ``target`` is None (the action only records the date).
    delivery_date: str | None = None
    # What the one who acted is told it did (marked with N_; ``done_message``): the action's own
    # words, never "Match #7 is now proposed." after a step that kept the status.
    done: str = ""
    # Staff record the buyer's own step ("accept", "decline") for an organisation without an
    # active member (the city phoned them): the step is the buyer's, audited as it (match.accept,
    # match.decline) with the staff member as the actor and their note as the detail. Only offered
    # and only allowed while the organisation has no active buyer (match_transition's rule).
    records: str | None = None

    @property
    def text(self) -> str:
        """The action's label in the reader's language (``label`` is the English, marked N_)."""
        return _(self.label)

    def done_message(self, match_id: int, delivery_day: str = "", *, day_given: bool = False) -> str:
        """What happened, for the one who did it, in the current language ("You confirmed you can
        supply match #7."); ``delivery_day`` is the expected delivery day as shown. With ``day_given``
        (a delivery date typed with this step) the day is said back ("Expected delivery: Dec 10,
        2026."), so that a date read from day/month numbers (dates.parse_date) is never taken unseen."""
        done = _(self.done).format(id=match_id, day=delivery_day)
        if day_given and delivery_day and "{day}" not in self.done:
            done = " ".join((done, _("Expected delivery: {day}.").format(day=delivery_day)))
        return done

    @property
    def style(self) -> str:
        return "danger" if self.returns_units else "primary"


MATCH_ACTIONS: dict[str, MatchAction] = {a.name: a for a in (
    MatchAction("accept", N_("Accept"), frozenset({PROPOSED}), ACCEPTED, frozenset({"buyer"}),
                done=N_("You accepted match #{id}.")),
    MatchAction("decline", N_("Decline"), frozenset({PROPOSED}), DECLINED, frozenset({"buyer"}),
                needs="reason", returns_units=True, done=N_("You declined match #{id}.")),
    MatchAction("mark_ordered", N_("Mark as ordered"), frozenset({ACCEPTED}), ORDERED,
                frozenset({"buyer"}) | STAFF, delivery_date="optional", done=N_("Match #{id} is marked as ordered.")),
    MatchAction("mark_delivered", N_("Mark as delivered"), frozenset({ORDERED}), DELIVERED,
                frozenset({"buyer"}) | STAFF, done=N_("Match #{id} is marked as delivered.")),
    MatchAction("close", N_("Close"), frozenset({PROPOSED, ACCEPTED, ORDERED}), CLOSED,
                frozenset({"buyer"}) | STAFF, needs="close_reason", returns_units=True,
                done=N_("You closed match #{id}.")),
    # The buyer's answer for an organisation without an account, given by phone and typed by staff.
    MatchAction("accept_by_phone", N_("Record acceptance (by phone)"), frozenset({PROPOSED}), ACCEPTED, STAFF,
                needs="note", records="accept",
                done=N_("You recorded the organisation's acceptance of match #{id}.")),
    MatchAction("decline_by_phone", N_("Record decline"), frozenset({PROPOSED}), DECLINED, STAFF,
                needs="note", records="decline", returns_units=True,
                done=N_("You recorded the organisation's decline of match #{id}.")),
    # The supplier's actions are named for what they do (issue 11 item 10).
    MatchAction("confirm_availability", N_("Confirm availability"), frozenset({PROPOSED}), PROPOSED,
                frozenset({"supplier"}), delivery_date="optional", done=N_("You confirmed you can supply match #{id}.")),
    # The supplier confirms (or moves) the day it expects to deliver; the status stays.
    MatchAction("set_delivery_date", N_("Save delivery date"), frozenset({ACCEPTED, ORDERED}), None,
                frozenset({"supplier"}), delivery_date="required", done=N_("Match #{id}: delivery expected on {day}.")),
    MatchAction("cannot_supply", N_("Cannot supply"), frozenset({PROPOSED, ACCEPTED, ORDERED}), CLOSED,
                frozenset({"supplier"}), returns_units=True, close_reason="no_supply",
                done=N_("You told the city you cannot supply match #{id}; it is closed.")),
    MatchAction("buyer_unreachable", N_("Could not reach the buyer"), frozenset({ACCEPTED, ORDERED}), CLOSED,
                frozenset({"supplier"}), returns_units=True, close_reason="buyer_unreachable",
                done=N_("Match #{id} is closed: you could not reach the buyer.")),
)}


class MatchTransitionError(ValueError):
    """Why a match step is refused, in words for the person. ``field`` names the form field the
    refusal is about ("reason", "close_reason", "delivery_on"), shown beside it, or None when it is
    about the match itself (its state, the party)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def deactivation_close_reason(role: str, other_active_buyers: int = 0) -> str | None:
    """The close reason of the proposals not yet accepted that end when the city deactivates an
    account of ``role``: every proposal of a supplier's offers ("supplier_deactivated"); a buyer's
    organisation's proposals only when no other active buyer is left to accept them
    (``other_active_buyers``; "buyer_deactivated"); None (nothing ends) otherwise, and for staff."""
    if role == "supplier":
        return "supplier_deactivated"
    if role == "buyer" and other_active_buyers <= 0:
        return "buyer_deactivated"
    return None


def match_transition(action_name: str, status: str, party: str, *, reason: str | None = None,
                     close_reason: str | None = None, delivery_on: date | None = None,
                     supplier_active: bool = True, buyer_has_account: bool = True) -> str:
    """The status after ``action_name`` by ``party``, or MatchTransitionError saying why not
    (also when ``delivery_on`` is given to an action that takes no date, or missing where one is
    required). Whether the date is not past is clean_delivery_on's rule, checked before.
    ``supplier_active``: whether the offer's supplier account is active; a proposal whose supplier
    the city deactivated cannot be accepted (nobody would deliver it; it is being withdrawn).
    ``buyer_has_account``: the request's organisation has an active buyer; staff may record the
    buyer's answer (MatchAction.records) only when it has none: otherwise the buyer answers."""
    action = MATCH_ACTIONS.get(action_name)
    if action is None:
        raise MatchTransitionError(_("Unknown action {action}.").format(action=repr(action_name)))
    if party not in action.parties:
        raise MatchTransitionError(_("'{action}' is not for you on this match.").format(action=action.text))
    if status not in action.sources:
        raise MatchTransitionError(_("'{action}' is not possible for a match that is {status}.").format(
            action=action.text, status=label(MATCH_STATUSES, status).lower()))
    if refusal := action_refusal(action, supplier_active=supplier_active, buyer_has_account=buyer_has_account):
        raise MatchTransitionError(refusal)
    if action.needs == "reason" and not (reason or "").strip():
        raise MatchTransitionError(_("Please give a reason."), field="reason")
    if action.needs == "note" and not (reason or "").strip():
        raise MatchTransitionError(_("Please write who gave the answer, and how."), field="reason")
    if refusal := length_refusal(reason, REASON_MAX_LENGTH):
        raise MatchTransitionError(refusal, field="reason")
    if action.needs == "close_reason" and close_reason not in dict(close_reasons_for(party)):
        raise MatchTransitionError(_("Please choose why the match is closed."), field="close_reason")
    if delivery_on is not None and action.delivery_date is None:
        raise MatchTransitionError(_("'{action}' takes no delivery date.").format(action=action.text),
                                   field="delivery_on")
    if action.delivery_date == "required" and delivery_on is None:
        raise MatchTransitionError(_("Please give the delivery date."), field="delivery_on")
    return status if action.target is None else action.target


# A confirmed delivery date may be from today up to this many days ahead (a later one is a typo).
MAX_DELIVERY_DAYS_AHEAD = 366


def clean_delivery_on(raw: str | None, today: date, *, required: bool = False) -> date | None:
    """The expected delivery date typed in ``raw`` (dates.parse_date's forms: 2027-01-07, 7 Jan 2027,
    ...), from ``today`` (the city's date, dates.city_today) to MAX_DELIVERY_DAYS_AHEAD days ahead;
    None for an empty text unless ``required``. Raises FieldError with a message for the field."""
    value = (raw or "").strip()
    if not value:
        if required:
            raise FieldError(_("Give the day the supplier expects to deliver, e.g. {example}.").format(
                example=(today + timedelta(days=7)).isoformat()))
        return None
    try:
        day = parse_date(value, within=(today, today + timedelta(days=MAX_DELIVERY_DAYS_AHEAD)))
    except DateError as exc:
        raise FieldError(str(exc)) from None
    if day < today:
        raise FieldError(_("{day} is in the past: a delivery date is today ({today}) or later.").format(
            day=format_day(day), today=format_day(today)))
    if day > today + timedelta(days=MAX_DELIVERY_DAYS_AHEAD):
        raise FieldError(_("{day} is more than a year ahead; check the year.").format(day=format_day(day)))
    return day


def closing_reason(action_name: str, chosen: str | None) -> str | None:
    """The close reason recorded for ``action_name``: its own fixed one, the chosen one for
    "close", None for an action that does not close."""
    action = MATCH_ACTIONS[action_name]
    if action.target != CLOSED:
        return None
    return action.close_reason or chosen


def action_refusal(action: MatchAction, *, supplier_active: bool = True, buyer_has_account: bool = True) -> str | None:
    """Why the parties' accounts rule out ``action`` now (whatever the match's status), or None: the
    one rule match_transition refuses by and available_match_actions offers by. A proposal whose
    supplier the city deactivated cannot be accepted; staff record the buyer's answer only for an
    organisation without an active buyer."""
    if action.target == ACCEPTED and not supplier_active:
        return _("This proposal can no longer be accepted: the city deactivated the supplier's "
                 "account. Contact the city if you still need these units.")
    if action.records and buyer_has_account:
        return _("This organisation has an active buyer account: the buyer answers the proposal themselves.")
    return None


def available_match_actions(status: str, party: str | None, *, buyer_has_account: bool = True,
                            supplier_active: bool = True) -> list[MatchAction]:
    """The steps ``party`` may take on a match in ``status`` that action_refusal allows: no
    acceptance of a deactivated supplier's proposal; staff's steps that record the buyer's answer
    only when the organisation has no active buyer (``buyer_has_account``)."""
    return [a for a in MATCH_ACTIONS.values() if status in a.sources and party in a.parties
            and action_refusal(a, supplier_active=supplier_active, buyer_has_account=buyer_has_account) is None]


def withheld_match_reasons(status: str, party: str | None, *, buyer_has_account: bool = True,
                           supplier_active: bool = True) -> list[str]:
    """Why steps ``party`` would take on a match in ``status`` are not offered (action_refusal),
    each reason once, to say on the page. Staff's steps recording the buyer's answer are left out
    silently while the organisation has a buyer: they are not staff's to take, nothing is missing."""
    reasons: list[str] = []
    for a in MATCH_ACTIONS.values():
        if status not in a.sources or party not in a.parties or (a.records and buyer_has_account):
            continue
        refusal = action_refusal(a, supplier_active=supplier_active, buyer_has_account=buyer_has_account)
        if refusal and refusal not in reasons:
            reasons.append(refusal)
    return reasons
