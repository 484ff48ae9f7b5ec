"""Four eyes on large and risky approvals (issue 11, item 7): plain rules on plain values.

A lead needs a second, different vetter's approval when its value (quantity x unit price, USD:
``LeadFacts`` prices are USD per unit) is above the city's threshold (setting
``FOUR_EYES_VALUE_USD``, default 100,000) or when it carries a stop signal
(``scoring.stop_signal_codes``). Rejections, questions and escalations need one vetter.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from babel import Locale, numbers

from . import i18n
from .catalog import label
from .i18n import N_, _
from .lead_status import (
    APPROVALS,
    APPROVED,
    ESCALATED,
    LEAD_STATUSES,
    OPEN_STATUSES,
    REJECTED,
    TEXTS_HELP,
    Action,
    available_actions,
)
from .scoring import flag_label, stop_signal_codes


@dataclass(frozen=True)
class FourEyes:
    """Why a lead needs two approvals: its value (USD, exact) if above the threshold, and its stop
    signals' codes. ``needed`` is whether either holds."""
    value_usd: Decimal
    threshold_usd: Decimal
    stop_codes: tuple[str, ...]

    @property
    def over_value(self) -> bool:
        return self.value_usd > self.threshold_usd

    @property
    def needed(self) -> bool:
        return self.over_value or bool(self.stop_codes)

    def reason(self) -> str:
        """Why, in words for staff, in the current language ("" if not needed): "its value
        $395,000.00 is above $100,000", "it has a stop signal (On a watchlist)", or both."""
        value = i18n.format_money(self.value_usd.quantize(Decimal("0.01")))
        threshold, codes = _whole_dollars(self.threshold_usd), ", ".join(flag_label(c) for c in self.stop_codes)
        if self.over_value and self.stop_codes:
            return _("its value {value} is above {threshold} and it has a stop signal ({codes})").format(
                value=value, threshold=threshold, codes=codes)
        if self.over_value:
            return _("its value {value} is above {threshold}").format(value=value, threshold=threshold)
        if self.stop_codes:
            return _("it has a stop signal ({codes})").format(codes=codes)
        return ""


def _whole_dollars(amount: Decimal) -> str:
    """US dollars rounded to whole dollars, as the current language writes money: $100,000 /
    100.000 US$."""
    locale = i18n.format_locale()
    pattern = Locale.parse(locale).currency_formats["standard"].pattern.split(";")[0].replace("0.00", "0")
    return numbers.format_currency(Decimal(amount).quantize(Decimal("1")), "USD", format=pattern, locale=locale,
                                   currency_digits=False)


def lead_value_usd(quantity: int, unit_price: Decimal) -> Decimal:
    """quantity x unit price (USD per unit): exact, never rounded before multiplying."""
    return Decimal(int(quantity)) * Decimal(unit_price)


def four_eyes(quantity: int, unit_price: Decimal, signals, threshold_usd) -> FourEyes:
    """Whether approving this lead needs a second approval, and why. ``signals``: the stored
    ``risk_signals`` (None while the lead is not scored: no stop signal known yet)."""
    return FourEyes(lead_value_usd(quantity, unit_price), Decimal(threshold_usd),
                    tuple(stop_signal_codes(signals)))


def second_approval_refusal(*, actor_id: int, first_approver_id: int | None) -> str | None:
    """Why this vetter may not give the second approval, or None."""
    if first_approver_id is not None and first_approver_id == actor_id:
        return _("you gave the first approval; a different vetter must give the second")
    return None


# What the lead page says of four eyes to its reader now (LeadDecisions.notice):
TWO_NEEDED = "two_needed"  # they may approve; approving takes two vetters (theirs would be the first)
SECOND = "second"  # another vetter gave the first approval; theirs would be the second
MINE = "mine"  # they gave the first approval; a different vetter must give the second
WAITING = "waiting"  # another vetter gave the first approval; the second is not theirs to give (their role)
SELF = "self"  # they may decide nothing on it: their own lead, or their own e-mail domain's (self_vetting)


@dataclass(frozen=True)
class LeadDecisions:
    """What one person may decide on one lead now: ``actions`` (the buttons, in the transition
    table's order), ``notice`` (what the page says: SELF, or of four eyes one of TWO_NEEDED,
    SECOND, MINE, WAITING; or None), ``rule`` (why two approvals, domain.four_eyes.FourEyes) and
    ``self_vetting`` (why they may decide nothing on it, permissions.self_vetting_reason, or None)."""
    actions: tuple[Action, ...]
    notice: str | None
    rule: FourEyes
    self_vetting: str | None = None

    def refusal(self) -> str:
        """Why this person may decide nothing on the lead, in a sentence ("" if they may): "You may
        not decide on this lead: it comes from your own e-mail domain (example.gov)." The page's
        notice and the server's refusal of a decision posted anyway say the same."""
        if not self.self_vetting:
            return ""
        return _("You may not decide on this lead: {reason}.").format(reason=self.self_vetting)

    @property
    def may_approve(self) -> bool:
        """Whether an approval (a first, a second, or an administrator's of an escalated lead) is
        open to this person now."""
        return any(a.name in APPROVALS for a in self.actions)

    def button_label(self, action: Action) -> str:
        """The button of ``action`` in the current language: "Approve", or for the second of two
        approvals "Approve (second approval)"."""
        if action.name in APPROVALS and self.notice == SECOND:
            return _("Approve (second approval)")
        return action.shown_label

    def shortcuts(self) -> list[tuple[str, str]]:
        """The keyboard shortcuts of the actions open now, as the help lists them: [("A",
        "approve"), ("R", "reject")], each key once, in the actions' order."""
        keys: dict[str, str] = {}
        for action in self.actions:
            if action.key and action.key not in keys:
                keys[action.key] = _(action.key_help or action.label)
        return [(key.upper(), words) for key, words in keys.items()]

    def texts_help(self) -> str:
        """What the open actions need as text, in a sentence ("" if none needs one): "Reject needs
        a reason; "Ask the supplier" sends the text as a question."."""
        parts = [_(TEXTS_HELP[a.needs_text]).format(action=a.shown_label) for a in self.actions if a.needs_text]
        return "; ".join(dict.fromkeys(parts)) + "." if parts else ""


def lead_decisions(status: str, role: str, *, actor_id: int, first_approver_id: int | None,
                   rule: FourEyes, self_vetting: str | None = None) -> LeadDecisions:
    """The one rule of what a person (``actor_id``, ``role``) may decide on a lead now: the
    transition table's actions for its ``status`` and the role, less an approval the person may
    not give (they gave the first of two: second_approval_refusal); and what the page says of
    four eyes. A decided lead has no four-eyes notice (a first approval left on it decides nothing).
    ``self_vetting`` is permissions.self_vetting_reason for the person and the lead: then they may
    decide nothing on it (quality bar S3), and the notice is SELF, saying why (``refusal``)."""
    if self_vetting:
        return LeadDecisions((), SELF, rule, self_vetting)
    actions = available_actions(status, role)
    refused = second_approval_refusal(actor_id=actor_id, first_approver_id=first_approver_id) is not None
    if refused:
        actions = [a for a in actions if a.name not in APPROVALS]
    approving = any(a.name in APPROVALS for a in actions)
    notice = None
    if status in OPEN_STATUSES:
        if first_approver_id is not None:
            notice = MINE if refused else (SECOND if approving else WAITING)
        elif approving and rule.needed:
            notice = TWO_NEEDED
    return LeadDecisions(tuple(actions), notice, rule)


# --- Several leads of one supplier decided together (issue 11, item 5) ----------------------------

# The cluster form's decisions, each a lead's own action by its target: "approve" is Approve (or an
# administrator's approval of an escalated lead), "reject" Reject.
TOGETHER: dict[str, str] = {"approve": APPROVED, "reject": REJECTED}


@dataclass(frozen=True)
class TogetherChoices:
    """What one person may decide on one lead when deciding several of a supplier's leads
    together, by the same rule as the lead's own page (``lead_decisions``): ``actions`` maps each
    of TOGETHER's decisions open to them to the lead's own action; ``refusals`` says why each other
    one is not, in words for staff ("needs a second vetter: you gave the first approval"; a lead
    they may decide nothing on, self-vetting, "you may not decide on this lead: ...")."""
    actions: dict[str, Action]
    refusals: dict[str, str]

    @property
    def selectable(self) -> bool:
        """Whether the lead can be chosen at all (one of the decisions is open to this person)."""
        return bool(self.actions)

    def refusal(self) -> str:
        """Why the lead cannot be chosen, or what it cannot take, in words ("" if it takes all):
        one reason once, or each decision's ("approve: ...; reject: ...")."""
        reasons = list(dict.fromkeys(self.refusals.values()))
        if not self.actions and len(reasons) == 1:
            return reasons[0]
        return "; ".join(_("{decision}: {reason}").format(decision=_(ACTION_WORDS[name]), reason=reason)
                         for name, reason in self.refusals.items())


# How the cluster form names its decisions (N_-marked in lead_status: "Approve", "Reject").
ACTION_WORDS = {"approve": N_("Approve"), "reject": N_("Reject")}


def together_choices(decisions: LeadDecisions, status: str, role: str) -> TogetherChoices:
    """What ``decisions`` (lead_decisions for one lead and one person) allow of TOGETHER's
    decisions, and why not the others (the reasons of lead_decisions' notice first)."""
    actions: dict[str, Action] = {}
    refusals: dict[str, str] = {}
    for name, target in TOGETHER.items():
        action = next((a for a in decisions.actions if a.target == target), None)
        if action is not None:
            actions[name] = action
        elif decisions.notice == SELF:
            refusals[name] = _("you may not decide on this lead: {reason}").format(reason=decisions.self_vetting)
        elif target == APPROVED and decisions.notice == MINE:
            refusals[name] = _("needs a second vetter: you gave the first approval")
        elif status == ESCALATED and role != "admin":
            refusals[name] = _("escalated: only an administrator decides on it")
        else:
            refusals[name] = _("not possible for a lead that is {status}").format(
                status=label(LEAD_STATUSES, status).lower())
    return TogetherChoices(actions, refusals)
