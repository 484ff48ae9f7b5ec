"""Facts, not sentences: what the marketplace stores, and the one place that words it for a reader.

Match and plan-line reasons, notifications (in the app and by e-mail), vetting signals and why a
plan was computed (its trigger) are stored as facts, ``{"code": "...", "params": {...}}`` (signals also keep ``weight`` and
``evidence``). Parameters are plain values: numbers (prices as strings such as "0.79", so that no
float rounding creeps in), ISO dates, ids, category codes; never pre-formatted sentences. The
text is made when it is shown, for the reader's role:

- ``"supplier"``: never the buyer's maximum price nor anything derived from it (difference,
  ratio, percentage), never its own vetting score, the buyer's days of supply or a vetter's e-mail;
- ``"buyer"``: never another buyer's data nor the supplier's private vetting details (the
  signals, the number of the score: a buyer sees its band);
- ``"staff"`` (vetters and admins): everything.

A text says "your" only to the party it belongs to: the buyer reads "under your maximum" and
"before your needed-by date" of its own request; staff read of it in the third person ("under the
buyer's maximum", "before the needed-by date"), as the supplier reads the date. The request's date
is "the needed-by date" everywhere, as its form and page name it ("Needed by"): never "deadline".
Values worded both ways are named ``*_yours`` and ``*_theirs``.

Each kind has one table, code -> {role: template}: ``REASONS``, ``NOTIFICATIONS`` (the e-mail is
the notification's text in ``EMAIL_BODY``), ``SIGNALS`` and ``TRIGGERS``. A template is a ``str.format`` pattern
over the parameters and the values derived from them (money, plurals, labels), a function of those
values where a sentence has variants, or ``NOT_SHOWN`` (None) when the role does not see that fact
at all. The tables are the privacy rules: read them to see who reads what. One ``render_*``
function per kind words a stored fact for a role. Pure: no Flask, no SQLAlchemy.

Every text is worded in the current language (domain.i18n: the request's, or the recipient's for
an e-mail): the tables' English templates are marked with ``N_`` and translated when rendered; a
sentence with variants is one whole template per variant (never glued from pieces), so that a
translator sees whole sentences; counts use ``ngettext``. Stored values (a person's words, names)
are inserted as they are; stored ISO days (``DAY_PARAMS``) are written as the reader's language writes a
day (i18n.format_day: "Jan 12, 2027" / "12 ene 2027").
"""
from __future__ import annotations

import logging
import string
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from .catalog import PRODUCT_CATEGORIES, STAFF_ROLES, SUPPLIER_TYPES, field_label, label, units_of
from .countries import phone_invalid_reason
from .formatting import money
from .formatting import ratio as show_ratio
from .i18n import N_, _, format_day, format_integer, format_percent, ngettext
from .match_status import CLOSE_REASONS, MATCH_STATUSES
from .reference import price_label, reference_json, reference_text

SUPPLIER, BUYER, STAFF = "supplier", "buyer", "staff"
ROLES = (SUPPLIER, BUYER, STAFF)
NOT_SHOWN = None

# The code of a fact converted from a stored sentence (migration 0009) whose meaning could not be
# recovered: staff read the old text, the others a neutral one (the old text may hold what they
# must not see).
LEGACY = "legacy"


def reader_role(role: str | None) -> str:
    """The reading role of a user role: "staff" for vetters and admins, "buyer", "supplier".
    Any other value (no user, the public) reads as a supplier: the most restricted view."""
    if role in STAFF_ROLES or role == STAFF:
        return STAFF
    return BUYER if role == BUYER else SUPPLIER


def fact(code: str, **params: Any) -> dict:
    """A fact to store: {"code": code, "params": params}. ``params`` must be plain JSON values
    (str, int, float, bool, None, lists of them); Decimals are stored as their string."""
    return {"code": code, "params": {k: v if v is None or type(v) in _PLAIN_TYPES else plain(v)
                                     for k, v in params.items()}}


# "Act on this" notices: code -> the params naming the thing to act on. Once it is done (by
# whoever does it), every recipient's copy is marked read (services.notifications.resolve), so an
# inbox holds only what still waits: an organisation to verify, a join request to answer, a
# supplier's answer or an escalated lead to decide, a question to answer, a proposal to answer or
# a match's next step to take (a match's notices are done once its status moves on: the new
# status is told afresh; services.matches._settle_notices).
TO_ACT_ON: dict[str, tuple[str, ...]] = {
    "organisation_waiting": ("organisation_id",),   # done: the organisation is verified
    "join_requested": ("organisation", "user_email"),  # done: the request is approved or refused
    "lead_answered": ("lead_id",),      # done: the lead is decided, or asked again
    "lead_escalated": ("lead_id",),     # done: the lead is decided
    "lead_question": ("lead_id",),      # done: the supplier answered
    "quote_confirm": ("lead_id",),      # done: the supplier confirmed the quote, or withdrew the offer
    "request_overdue": ("demand_id",),  # done: the buyers set a new date, closed the rest or withdrew
    "match_proposed": ("match_id",),    # done: the proposal is accepted, declined or closed (by anyone)
    "match_status": ("match_id",),      # done: the match takes its next step (accepted -> ordered -> ...)
}


# The plain types themselves (not subclasses): passed through by ``fact`` without a call (a plan
# makes about four facts for each of its lines).
_PLAIN_TYPES = frozenset({str, int, float, bool})


def plain(value: Any) -> Any:
    """A parameter as a plain JSON value: Decimals as their normalised string ("0.7900" -> "0.79");
    TypeError for anything but str, int, float, bool, None and lists of them."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")  # "0.7900" -> "0.79", "1.00" -> "1"
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"a fact's parameter must be a plain value, not {type(value).__name__}")


def as_fact(value: Any) -> dict:
    """A stored fact as {"code", "params"}; a bare string (a sentence stored before facts) is a
    legacy fact with that text."""
    if isinstance(value, Mapping) and "code" in value:
        return {"code": value["code"], "params": dict(value.get("params") or {})}
    return {"code": LEGACY, "params": {"text": str(value)}}


# ---- a template in the reader's language, with only the values its English names ----------------

_log = logging.getLogger(__name__)
_FORMATTER = string.Formatter()


def value_names(template: str) -> frozenset[str]:
    """The values a ``str.format`` template names, however it writes them: "{price} a unit" ->
    {"price"}; "{score:d}", "{score!s}", "{v.score}" and "{v[score]}" name "score" and "v"."""
    names = set()
    for _literal, field, _spec, _conversion in _FORMATTER.parse(template):
        if field is not None:
            names.add(field.split(".", 1)[0].split("[", 1)[0])
    return frozenset(names)


def worded(template: str, values: Mapping[str, Any]) -> str:
    """``template`` (a marked English text) in the reader's language, filled from ``values``. The
    translation is given only the values the English names: the values of a fact hold more than a
    role may read (the supplier's "{price} a unit" is worded from values that hold the buyer's
    maximum and the headroom to it), so a translation that names another value, or one the English
    leaves out, cannot print it; the English, which the role tables vouch for, is shown instead and
    the catalogue's mistake logged (tests/domain/test_translations.py checks the catalogue).
    KeyError when ``values`` lacks a value the English names (a template used with the wrong fact)."""
    given = {name: values[name] for name in value_names(template)}
    translated = _(template)
    if translated != template:
        try:
            return translated.format(**given)
        except (KeyError, IndexError, AttributeError, ValueError):
            _log.error("the translation of %r names values its English does not: %r", template, translated)
    return template.format(**given)


# ---- sentences with variants (templates that are functions of the values) ---------------------
# Each variant is a whole sentence for the catalogue: a translator never sees half a sentence.

Template = str | Callable[[Mapping[str, Any]], str] | None


def _variants(base: str, **when: str) -> Callable[[Mapping[str, Any]], str]:
    """A template with variants: the one of the first name in ``when`` whose value is set (not
    None, False or empty), else ``base``; translated and filled with the values."""
    def word(v: Mapping[str, Any]) -> str:
        template = next((t for name, t in when.items() if v.get(name)), base)
        return worded(template, v)
    return word


def _legacy_text(v: Mapping[str, Any]) -> str:
    return str(v["text"])  # a sentence stored before facts: shown as it was written


def _distance(v: Mapping[str, Any]) -> str:
    return v["distance_text"]


def _match_status(v: Mapping[str, Any]) -> str:
    if v.get("delivery_on"):
        template = (N_("Match #{match_id} ({units}, request #{demand_id}) is now {status_text}, delivery expected "
                       "on {delivery_on}: {detail}") if v.get("detail") else
                    N_("Match #{match_id} ({units}, request #{demand_id}) is now {status_text}, delivery expected "
                       "on {delivery_on}."))
    else:
        template = (N_("Match #{match_id} ({units}, request #{demand_id}) is now {status_text}: {detail}")
                    if v.get("detail") else N_("Match #{match_id} ({units}, request #{demand_id}) is now {status_text}."))
    return worded(template, v)


_delivery_date_told = _variants(
    N_("Match #{match_id} ({units}, request #{demand_id}): the supplier expects to deliver on {delivery_on}."),
    previous=N_("Match #{match_id} ({units}, request #{demand_id}): the supplier expects to deliver on "
                "{delivery_on} (instead of {previous})."))


# ---- reasons: why an offer suits a request (match and plan-line ``reasons``) -------------------

REASONS: dict[str, dict[str, Template]] = {
    # params: days_of_supply (int), weight (int, the urgency weight)
    "urgency": {STAFF: N_("{days_of_supply_text} of supply left (urgency weight {weight})"),
                BUYER: N_("{days_of_supply_text} of supply left (urgency weight {weight})"),
                SUPPLIER: NOT_SHOWN},
    # params: unit_price, max_unit_price (decimal strings)
    "price": {STAFF: N_("{price} a unit, {headroom_theirs}"),
              BUYER: N_("{price} a unit, {headroom_yours}"),
              SUPPLIER: N_("{price} a unit")},
    # params: lead_time_days (int), days_until_needed (int)
    "lead_time": {STAFF: N_("{ready}, {deadline_theirs}"),
                  BUYER: N_("{ready}, {deadline_yours}"),
                  SUPPLIER: N_("{ready}, {deadline_theirs}")},
    # params: late_days (int, days after the needed-by date), days_of_supply (int)
    "late": {STAFF: N_("late: arrives {late_days_text} after the needed-by date (urgent; nothing sooner fits)"),
             BUYER: N_("late: arrives {late_days_text} after your needed-by date (nothing sooner fits)"),
             SUPPLIER: N_("arrives {late_days_text} after the needed-by date")},
    # params: assumed_days (int)
    "lead_time_unstated": {STAFF: N_("lead time not stated; assumed {assumed_days} days"),
                           BUYER: N_("lead time not stated; assumed {assumed_days} days"),
                           SUPPLIER: N_("lead time not stated; assumed {assumed_days} days")},
    # params: distance_km (number)
    "distance": {STAFF: _distance, BUYER: _distance, SUPPLIER: _distance},
    "distance_unknown": {STAFF: N_("distance unknown"), BUYER: N_("distance unknown"), SUPPLIER: N_("distance unknown")},
    # params: offer_category, need_category (category codes)
    "substitute": {STAFF: N_("substitute: {offer_category_label} for {need_category_label}"),
                   BUYER: N_("substitute: {offer_category_label} for {need_category_label}"),
                   SUPPLIER: N_("substitute: {offer_category_label} for {need_category_label}")},
    # params: score (int, 0-100)
    "vetting_score": {STAFF: N_("vetting score {score} of 100 ({band})"),
                      BUYER: N_("vetted by the city: {band}"),
                      SUPPLIER: NOT_SHOWN},
    "vetting_unscored": {STAFF: N_("vetting score: not scored yet"),
                         BUYER: N_("vetting: not scored yet"),
                         SUPPLIER: NOT_SHOWN},
    # params: staff_email (the vetter or admin who proposed it)
    "proposed_by_hand": {STAFF: N_("proposed by hand by {staff_email}"),
                         BUYER: N_("proposed by city staff"),
                         SUPPLIER: N_("proposed by city staff")},
    # params: text (a reason stored as a sentence before facts)
    LEGACY: {STAFF: _legacy_text, BUYER: NOT_SHOWN, SUPPLIER: NOT_SHOWN},
}


# ---- notifications (in the app, and the text of their e-mail) ---------------------------------

NOTIFICATIONS: dict[str, dict[str, Template]] = {
    # params: match_id, lead_id, demand_id, quantity (int), category (code)
    "match_proposed": {STAFF: N_("Proposed: {units} from lead #{lead_id} for request #{demand_id}"),
                       BUYER: N_("Proposed: {units} for your request #{demand_id}"),
                       SUPPLIER: N_("Your offer #{lead_id}: {units} proposed to a buyer (request #{demand_id})")},
    # params: match_id, demand_id, quantity, category, status (a match status), reason (the
    # person's own words when declining, or None), close_reason (a CLOSE_REASONS code or None)
    # (and delivery_on, the expected delivery date given with this step, ISO, when one was).
    "match_status": {STAFF: _match_status, BUYER: _match_status, SUPPLIER: _match_status},
    # params: match_id, demand_id, quantity, category, delivery_on (ISO date the supplier expects to
    # deliver), previous (the date it replaces, ISO, or None)
    "match_delivery_date": {
        STAFF: _delivery_date_told, BUYER: _delivery_date_told,
        SUPPLIER: _variants(
            N_("Match #{match_id} ({units}, request #{demand_id}): delivery expected on {delivery_on}."),
            previous=N_("Match #{match_id} ({units}, request #{demand_id}): delivery expected on {delivery_on} "
                        "(instead of {previous}).")),
    },
    # params: match_id, close_reason (a CLOSE_REASONS code)
    "match_closed": {STAFF: N_("Match #{match_id} was closed: {close_reason_text}."),
                     BUYER: N_("Match #{match_id} was closed: {close_reason_text}."),
                     SUPPLIER: N_("Match #{match_id} was closed: {close_reason_text}.")},
    # params: organisation (its name), user_name, user_email (of the person asking to join; sent
    # to admins and to the buyers of that verified organisation, who decide)
    "join_requested": {STAFF: N_("{user_name} ({user_email}) asks to join {organisation}: approve or refuse under "
                              "Admin, Organisations."),
                       BUYER: N_("{user_name} ({user_email}) asks to join {organisation}: approve if they work with "
                              "you, refuse otherwise (your home page)."),
                       SUPPLIER: N_("Someone asks to join {organisation}.")},
    # params: organisation (its name; sent to the person who asked)
    "join_approved": {STAFF: N_("The request to join {organisation} was approved."),
                      BUYER: N_("Your request to join {organisation} was approved: you act for it now."),
                      SUPPLIER: N_("Your request to join {organisation} was approved.")},
    "join_refused": {STAFF: N_("The request to join {organisation} was refused."),
                     BUYER: N_("Your request to join {organisation} was refused. If you work for another "
                            "organisation, name it on your home page; otherwise contact the city."),
                     SUPPLIER: N_("Your request to join {organisation} was refused.")},
    # ---- issue 11, item 1: everyone told (docs/notifications.md lists who is told of what). The
    # texts of roles that are never sent a code are neutral (every code reads for every role). ----
    # params: lead_id, company, question (the vetter's words; sent to the lead's supplier)
    "lead_question": {STAFF: N_("Question to {company} about lead #{lead_id}: {question}"),
                      BUYER: N_("The city asked a supplier a question about an offer."),
                      SUPPLIER: N_("The city's reviewers have a question about your offer #{lead_id}: {question} "
                                "Answer it on the offer's page; the review waits for your answer.")},
    # params: lead_id, company (sent to the vetter who asked)
    "lead_answered": {STAFF: N_("{company} answered your question about lead #{lead_id}: the lead is back in "
                             "review."),
                      BUYER: N_("A supplier answered the city's question about an offer."),
                      SUPPLIER: N_("Your answer about offer #{lead_id} was sent to the city's reviewers.")},
    # params: lead_id, company (sent to the lead's supplier)
    "lead_approved": {STAFF: N_("Lead #{lead_id} of {company} was approved."),
                      BUYER: N_("An offer was approved by the city."),
                      SUPPLIER: N_("Your offer #{lead_id} was approved by the city: it can now be proposed to "
                                "buyers. We will tell you when it is.")},
    # params: lead_id, company, reason (the reviewer's words given to the supplier, or None)
    "lead_rejected": {STAFF: _variants(N_("Lead #{lead_id} of {company} was rejected."),
                                       reason=N_("Lead #{lead_id} of {company} was rejected: {reason}")),
                      BUYER: N_("An offer was not accepted by the city."),
                      SUPPLIER: _variants(N_("Your offer #{lead_id} was not accepted by the city."),
                                          reason=N_("Your offer #{lead_id} was not accepted by the city: {reason}"))},
    # params: lead_id, company (sent to admins: only they decide an escalated lead)
    "lead_escalated": {STAFF: N_("Lead #{lead_id} of {company} was escalated: an admin decides it."),
                       BUYER: N_("An offer was escalated for a decision."),
                       SUPPLIER: N_("Your offer #{lead_id} is being reviewed further.")},
    # params: lead_id, company; sent to the vetter who
    # approved it (admins when that vetter is gone) and to the supplier when staff confirmed for them
    "lead_changed_on_confirm": {
        STAFF: N_("{company} confirmed approved lead #{lead_id} with a higher price or more units: it is under "
                  "review again, and its proposals not yet accepted were withdrawn."),
        BUYER: N_("An offer changed and is reviewed again by the city."),
        SUPPLIER: N_("Your offer #{lead_id} has a higher price or more units: the city reviews it again before "
                     "it is proposed to buyers. Matches already accepted keep their agreed price.")},
    # params: organisation (its name; sent to its buyers)
    "organisation_verified": {STAFF: N_("{organisation} was verified."),
                              BUYER: N_("The city verified {organisation}: you can now post requests and accept "
                                     "proposals."),
                              SUPPLIER: N_("{organisation} was verified.")},
    "organisation_unverified": {STAFF: N_("{organisation} is no longer verified."),
                                BUYER: N_("The city withdrew the verification of {organisation}: until it is "
                                       "verified again you can read but not post or accept. Contact the city."),
                                SUPPLIER: N_("{organisation} is no longer verified.")},
    # params: organisation, organisation_id, kind (an ORGANISATION_KINDS code), user_email (the
    # member whose confirmed address makes it ready to verify; sent to admins)
    "organisation_waiting": {STAFF: N_("{organisation} ({user_email}) waits to be verified: check it under Admin, "
                                    "Organisations."),
                             BUYER: N_("{organisation} waits to be verified by the city."),
                             SUPPLIER: N_("{organisation} waits to be verified by the city.")},
    # ---- issue 11, item 11: offers go stale. ----
    # params: lead_id, company, valid_until (ISO date: the last day the quote holds), lapsed (bool:
    # the quote had lapsed when the supplier was asked; sent to the lead's supplier)
    "quote_confirm": {
        STAFF: _variants(N_("The supplier of lead #{lead_id} ({company}) was asked to confirm price and stock: the "
                            "quote holds until {valid_until}."),
                         lapsed=N_("The supplier of lead #{lead_id} ({company}) was asked to confirm price and stock: "
                                   "the quote lapsed after {valid_until}.")),
        BUYER: N_("A supplier was asked to confirm an offer."),
        SUPPLIER: _variants(N_("Is your offer #{lead_id} still good? Its quote holds until {valid_until}; after that "
                               "it is not proposed to buyers until you confirm it. Confirm price and stock (you may "
                               "update them), or withdraw the offer."),
                            lapsed=N_("Is your offer #{lead_id} still good? Its quote lapsed after {valid_until}: it "
                                      "is not proposed to buyers until you confirm it. Confirm price and stock (you "
                                      "may update them), or withdraw the offer."))},
    # params: demand_id, needed_by (ISO date, past), category (sent to the request's buyers)
    "request_overdue": {STAFF: N_("Request #{demand_id} was needed by {needed_by}: it left matching and its buyers "
                               "were asked to extend it or close the rest."),
                        BUYER: N_("Your request #{demand_id} ({category_label}) was needed by {needed_by}, which has "
                               "passed: it is no longer matched with offers. Set a new needed-by date, or close "
                               "the rest if it is no longer needed."),
                        SUPPLIER: N_("A request passed its needed-by date.")},
    # ---- accounts and organisations the city deactivates or stops verifying. ----
    # params: email, role (of the deactivated account), withdrawn (int: proposals not yet accepted
    # that closed), follow_up (text: "#3, #5", the accepted or ordered matches left as they are;
    # empty when none). Sent to staff (but the admin who deactivated it).
    "account_deactivated": {
        STAFF: _variants(N_("{email} was deactivated: {withdrawn} proposals not yet accepted were withdrawn and "
                            "their parties told."),
                         follow_up=N_("{email} was deactivated: {withdrawn} proposals not yet accepted were "
                                      "withdrawn. Matches already accepted or ordered were not cancelled: call both "
                                      "parties and close or carry on each: {follow_up}.")),
        BUYER: N_("The city deactivated an account taking part in your matches."),
        SUPPLIER: N_("The city deactivated an account taking part in your matches.")},
    # params: match_id, demand_id, organisation (the buyer's; sent to the supplier of an accepted or
    # ordered match when the city withdraws that organisation's verification)
    "match_buyer_unverified": {
        STAFF: N_("Match #{match_id} (request #{demand_id}): {organisation} is no longer verified; the match is "
                  "in progress."),
        BUYER: N_("Match #{match_id}: the city withdrew the verification of {organisation}."),
        SUPPLIER: N_("Match #{match_id} (request #{demand_id}): the city no longer verifies the buyer, "
                     "{organisation}. The match is not cancelled and you still see its delivery address; check "
                     "with the city before you ship or deliver.")},
    # params: text (a notification stored as a sentence before facts)
    LEGACY: {STAFF: _legacy_text,
             BUYER: N_("There is news about one of your requests or matches."),
             SUPPLIER: N_("There is news about one of your offers or matches.")},
}

# ---- account e-mails (issue 10, items 3 and 14): sent to an address, never shown in the app ----
# code -> (subject, body). The body is a str.format pattern over the parameters, {url} (the link,
# absolute) and {until_confirmed} (what waits for the confirmation, per role). SECRET_LINKS are the
# codes whose link lets its holder act as the account owner: the admin outbox does not show them
# once e-mail goes by SMTP.

ACCOUNT_EMAILS: dict[str, tuple[str, str]] = {
    # params: minutes (int, how long the link works)
    "password_reset": (
        N_("Reset your password"),
        N_("Someone, we hope you, asked to reset the password of your account on the emergency PPE "
           "marketplace.\n\nChoose a new password here (the link works once, for {minutes} minutes):\n{url}\n\n"
           "If you did not ask for this, ignore this e-mail: your password stays as it is.\n")),
    # params: days (int, how long the link works)
    "email_confirm": (
        N_("Confirm your e-mail address"),
        N_("Welcome to the emergency PPE marketplace. Please confirm that this address is yours by "
           "opening this link (it works for {days} days):\n{url}\n\n{until_confirmed}\n\n"
           "If you did not create an account, ignore this e-mail.\n")),
    # params: none
    "registration_attempt": (
        N_("Someone tried to register with your address"),
        N_("Someone tried to create an account on the emergency PPE marketplace with this e-mail "
           "address, which already has an account. No second account was made and yours is unchanged.\n\n"
           "If it was you, sign in here: {url}\nIf you forgot your password, choose \"Forgot your "
           "password?\" on that page and we will e-mail you a link to set a new one.\n\n"
           "If it was not you, you need not do anything.\n")),
}
SECRET_LINKS = frozenset({"password_reset", "email_confirm"})
_UNTIL_CONFIRMED = {
    SUPPLIER: N_("Until you do, the offers you submit wait: they go to the city's reviewers once you confirm."),
    BUYER: N_("Until you do, the city cannot verify your organisation, nor can anyone approve a request "
               "of yours to join one."),
    STAFF: N_("Please confirm it before you start."),
}

# The e-mail around a notification's text: {text} and {url} (where to open it).
EMAIL_BODY = N_("{text}\n\nOpen it in the marketplace: {url}\n\n"
                 "You receive this because you have an account on the emergency PPE marketplace.\n")


# The staff's daily digest (issue 11, item 1): one e-mail listing the day's notifications.
# params: day (ISO date), notification_ids (worded for the recipient when sent)
DIGEST = "daily_digest"


def render_digest(items: list[tuple[str, str]], day: str, url: str) -> tuple[str, str]:
    """(subject, body) of a daily digest: ``items`` are (text, absolute link) of each notification,
    oldest first, already worded for the recipient; ``url`` opens the notifications page."""
    count = len(items)
    subject = ngettext("Your marketplace digest for {day}: {count} notification",
                       "Your marketplace digest for {day}: {count} notifications", count).format(
        day=format_day(day), count=format_integer(count))
    lines = "\n\n".join(f"- {text}\n  {link}" for text, link in items)
    body = _("{subject}.\n\n{lines}\n\nAll your notifications: {url}\n\nYou receive one e-mail a day because "
             "you chose the daily digest; change it on your notifications page.\n").format(
        subject=subject, lines=lines, url=url)
    return subject[:200], body


# ---- why a buyer may not act (domain.permissions.buyer_may_act) -----------------------------------

def buyer_refusal(organisation_verified: bool | None, pending_join_name: str | None = None) -> str:
    """Why a buyer may not post, change or withdraw a request or act on a match, for the page:
    ``organisation_verified`` None (no organisation; ``pending_join_name`` is the organisation
    they asked to join, if any) or False (not verified, or no longer)."""
    if organisation_verified is None:
        if pending_join_name:
            return _("Your request to join “{organisation}” waits for approval by its members or city staff. "
                     "Until then you cannot post requests or act on proposals.").format(organisation=pending_join_name)
        return _("You do not belong to an organisation yet, so you cannot post requests or act on proposals: "
                 "name your organisation on your home page, or ask the city to add you to it.")
    return _("Your organisation must be verified by the city before it can post, change or withdraw requests "
             "or accept proposals.")


# ---- signals: what vetting found about a lead (``leads.risk_signals``) --------------------------
# Staff read them; they are the city's vetting details: a supplier never reads them (a fraudster
# would tune the next offer), nor does a buyer. The texts are functions of the values below where a
# sentence has variants; registry values (holders, models, dates) are parameters as the registry
# prints them. Reference data (band texts, what a category's certificate should be) is looked up
# in reference_data.json when shown.

def listing(items: Iterable[str], limit: int = 4) -> str:
    """'a, b, c and 2 more': at most ``limit`` items, then how many more."""
    items = list(items)
    shown = ", ".join(items[:limit])
    if len(items) <= limit:
        return shown
    return _("{items} and {count} more").format(items=shown, count=format_integer(len(items) - limit))


def _reference_label(category: str) -> str:
    found = reference_json()["reference_prices"].get(category)
    return price_label(found) if found else label(PRODUCT_CATEGORIES, category).lower()


def _band_text(code: str) -> str:
    ref = reference_json()
    for band in ref["price_bands"]:
        if band["code"] == code:
            return reference_text(band["text"])
    if code == ref["price_too_low"]["code"]:
        return reference_text(ref["price_too_low"]["text"])
    return _("within the normal range")


def _price(v: Mapping[str, Any]) -> str:
    return _("unit price {price} is {ratio} the reference {reference} for {product}: {band}.").format(
        price=money(_decimal(v["unit_price"])), ratio=show_ratio(float(v["ratio"])),
        reference=money(_decimal(v["reference_price"])), product=_reference_label(v["category"]),
        band=_band_text(v["code"]))


def _expect(category: str) -> str:
    rule = reference_json()["certifications"].get(category)
    return reference_text(rule["expect"]) if rule else _("a certificate")


def _scheme_label(scheme: str) -> str:
    return reference_text(reference_json()["certification_schemes"].get(scheme, {}).get("label", scheme))


def _certification_missing(v: Mapping[str, Any]) -> str:
    return _("No certification given; {product} should come with {expected}.").format(
        product=label(PRODUCT_CATEGORIES, v["category"]), expected=_expect(v["category"]))


def _certification_malformed(v: Mapping[str, Any]) -> str:
    return _("Certification '{certification}' does not contain {expected}.").format(
        certification=v["certification"], expected=_expect(v["category"]))


def _certification_ok(v: Mapping[str, Any]) -> str:
    read = ", ".join(_("{number} ({scheme})").format(number=number, scheme=_scheme_label(scheme))
                     for number, scheme in v["claims"])
    if v.get("missing_scheme"):
        return _("Certification '{certification}' reads as {read}; no {scheme} is given.").format(
            certification=v["certification"], read=read, scheme=_scheme_label(v["missing_scheme"]))
    return _("Certification '{certification}' reads as {read}.").format(certification=v["certification"], read=read)


def _niosh_model_mismatch(v: Mapping[str, Any]) -> str:
    return _("Model {model} is listed under {listed_under} ({holders}), not under {number} (models: {models}): "
             "a real number quoted for another respirator is how counterfeits are sold.").format(
        model=v["model"], listed_under=listing(v["listed_under"]), holders=listing(v["listed_holders"], 2),
        number=v["number"], models=listing(v["models"], 5) or _("none listed"))


def _niosh_holder_mismatch(v: Mapping[str, Any]) -> str:
    holders = v["holders"]
    if len(holders) == 1:
        return _("'{company}' says it makes these, but the NIOSH list of {as_of} gives {number}'s holder as "
                 "{holder}.").format(company=v["company"], as_of=v["as_of"], number=v["number"], holder=holders[0])
    return _("'{company}' says it makes these, but the NIOSH list of {as_of} gives {count} holders of {number} "
             "({holders}), not this company.").format(company=v["company"], as_of=v["as_of"], number=v["number"],
                                                      count=format_integer(len(holders)), holders=listing(holders, 3))


def _niosh_listed(v: Mapping[str, Any]) -> str:
    holders, basis = v["holders"], v["basis"]
    if basis == "company":
        whose = (_("'{company}' is listed as one of its {count} holders (private label: {holder})") if len(holders) > 1
                 else _("'{company}' is listed as its holder")).format(
            company=v["company"], count=format_integer(len(holders)), holder=v["holder"])
    elif basis == "named":
        whose = _("the description names its holder {holders}").format(holders=listing(v["named"], 2))
    elif basis == "model":
        whose = _("held by {holders}").format(holders=listing(v["model_holders"], 3))
    else:
        whose = ngettext("neither the company nor the description names its holder ({holders}) or its models: "
                         "ask whose respirator it is",
                         "neither the company nor the description names one of its {count} holders ({holders}) or "
                         "their models: ask whose respirator it is", len(holders)).format(
            count=format_integer(len(holders)), holders=listing(holders, 3))
    if v.get("models"):
        return _("{number} is a NIOSH N95 approval (list of {as_of}); {whose}; model {models} is listed under "
                 "it.").format(number=v["number"], as_of=v["as_of"], whose=whose, models=listing(v["models"], 3))
    return _("{number} is a NIOSH N95 approval (list of {as_of}); {whose}.").format(
        number=v["number"], as_of=v["as_of"], whose=whose)


def _watchlist(v: Mapping[str, Any]) -> str:
    names = " / ".join(v["names"])
    if v.get("numbers"):
        return _("CDC/NIOSH named '{names}' as {what} (approval number used: {numbers}).").format(
            names=names, what=v["what"], numbers=", ".join(v["numbers"]))
    return _("CDC/NIOSH named '{names}' as {what}.").format(names=names, what=v["what"])


def _watchlist_caution(v: Mapping[str, Any]) -> str:
    names = " / ".join(v["names"]) + (f" {v['model']}" if v.get("model") else "")
    return _("Counterfeit watch list: {names}: {what}. The claim itself matches the registry; ask for lot numbers "
             "and where the supplier bought them.").format(names=names, what=v["what"])


def _eua_removed(v: Mapping[str, Any]) -> str:
    return _("Maker {manufacturer} ({models}) was removed from FDA's emergency-use list of KN95 makers (Appendix A) "
             "on {date_removed}: these respirators were no longer authorised.").format(
        manufacturer=v["manufacturer"], models=v.get("models") or _("all models"), date_removed=v["date_removed"])


def _eua_listed(v: Mapping[str, Any]) -> str:
    listed = _("Maker {makers} is on FDA's emergency-use list of imported respirators (our copy of {as_of}; these "
               "authorisations have since ended).").format(makers=listing(v["makers"], 2), as_of=v["as_of"])
    if v.get("removed_models"):
        return listed + " " + _("Other models of this maker ({models}) were removed on {removed_on}: check the "
                                "model.").format(models=listing(v["removed_models"], 3), removed_on=v["removed_on"])
    return listed


def _product_codes(codes: Iterable[str]) -> str:
    names = reference_json()["fda_product_codes"]
    return ", ".join(reference_text(names.get(c, c)) for c in codes)


def _k510_cleared(v: Mapping[str, Any]) -> str:
    what = reference_text(reference_json()["fda_product_codes"].get(v["product_code"], "")) or _("product code {code}").format(
        code=v["product_code"])
    return _("{number} is FDA's clearance of '{device}' ({what}, {product_code}) for {applicant}, "
             "{decision_date}").format(number=v["number"], device=v["device"], what=what,
                                        product_code=v["product_code"], applicant=v["applicant"],
                                        decision_date=v["decision_date"])


def _k510_unknown(v: Mapping[str, Any]) -> str:
    return _("{number} is not in our copy of the FDA 510(k) list ({count} clearances of {product_codes}, {as_of}): "
             "look it up in FDA's 510(k) database.").format(
        number=v["number"], count=format_integer(v["count"]), product_codes=_product_codes(v["product_codes"]),
        as_of=v["as_of"])


def _k510_not_covered(v: Mapping[str, Any]) -> str:
    return _("{number} is not in our copy of the 510(k) list ({product_codes} only), so it cannot be checked here: "
             "look it up in FDA's 510(k) database.").format(number=v["number"],
                                                          product_codes=_product_codes(v["product_codes"]))


def _k510_other_product(v: Mapping[str, Any]) -> str:
    return _("{clearance}: not {product}.").format(clearance=_k510_cleared(v),
                                                  product=label(PRODUCT_CATEGORIES, v["category"]).lower())


def _k510_listed(v: Mapping[str, Any]) -> str:
    return _("{clearance}.").format(clearance=_k510_cleared(v))


def _broker_terms(v: Mapping[str, Any]) -> str:
    return _("Uses broker-chain wording: {terms}.").format(terms=", ".join(v["terms"]))


def _incomplete(v: Mapping[str, Any]) -> str:
    return _("Missing: {fields}.").format(fields=", ".join(field_label(f) for f in v["fields"]))


def _phone_invalid(v: Mapping[str, Any]) -> str:
    return phone_invalid_reason(v["phone"], v.get("country")) or _(
        "Phone number '{phone}' is not a valid number.").format(phone=v["phone"])


def _resembles(v: Mapping[str, Any]) -> str:
    described = ", ".join(f"#{lead_id} ({format_percent(probability, 0)})" for lead_id, probability in v["matches"][:5])
    return ngettext("Resembles a lead rejected before: {leads}.", "Resembles leads rejected before: {leads}.",
                    len(v["matches"])).format(leads=described)


def _duplicate(v: Mapping[str, Any]) -> str:
    ids = ", ".join(f"#{i}" for i in v["lead_ids"][:8])
    if v["count"] > 8:
        return _("Same supplier as earlier leads {ids} and {count} more.").format(
            ids=ids, count=format_integer(v["count"] - 8))
    return ngettext("Same supplier as earlier lead {ids}.", "Same supplier as earlier leads {ids}.",
                    len(v["lead_ids"])).format(ids=ids)


def _staff(text: Any) -> dict[str, Any]:
    return {STAFF: text, BUYER: NOT_SHOWN, SUPPLIER: NOT_SHOWN}


SIGNALS: dict[str, dict[str, Any]] = {
    # params: price, words ("box of 100"), pack_size, unit_price (per unit), ratio, ratio_as_typed, quantity
    "price_per_pack": _staff(N_(
        "The price {price_text} looks like the price of a pack: the offer says '{words}', and {price_text} / "
        "{pack_size_text} = {unit_price_text} a unit, {ratio_text} the reference, against {ratio_as_typed_text} as "
        "typed; the price is scored per unit. Ask the supplier for the units per pack (pack_size), and whether "
        "the quantity {quantity_text} counts units or packs.")),
    # params: unit_price, ratio, reference_price, category (the band is the code)
    "price_10x": _staff(_price), "price_3x": _staff(_price), "price_over_1_1x": _staff(_price),
    "price_too_low": _staff(_price), "price_ok": _staff(_price),
    # params: category
    "certification_missing": _staff(_certification_missing),
    # params: certification (as typed, 80 characters at most), category
    "certification_malformed": _staff(_certification_malformed),
    # params: certification, claims ([number, scheme], ...), missing_scheme (the primary scheme, or None)
    "certification_ok": _staff(_certification_ok),
    # params: number, listed_count, as_of
    "niosh_unknown": _staff(N_(
        "{number} is not among the {listed_count_text} approval numbers on the NIOSH N95 list (our copy of "
        "{as_of}): the approval may not exist. Look it up in NIOSH's Certified Equipment List before approving.")),
    # params: model, listed_under (numbers), listed_holders, number, models (this number's)
    "niosh_model_mismatch": _staff(_niosh_model_mismatch),
    # params: company, as_of, number, holders
    "niosh_holder_mismatch": _staff(_niosh_holder_mismatch),
    # params: number, as_of, basis (company | named | model | none), company, holder, holders, named,
    # model_holders, models (the matched models)
    "niosh_listed": _staff(_niosh_listed),
    # params: names, what, numbers
    "watchlist": _staff(_watchlist),
    # params: names, model, what
    "watchlist_caution": _staff(_watchlist_caution),
    # params: manufacturer, models (None: all), date_removed
    "eua_removed": _staff(_eua_removed),
    # params: makers, as_of, removed_models, removed_on
    "eua_listed": _staff(_eua_listed),
    # params: as_of
    "eua_unlisted": _staff(N_("Neither the company nor the description names a maker on FDA's emergency-use list "
                              "(Appendix A, our copy of {as_of}): ask who made them.")),
    # params: number, count (clearances in our copy), product_codes (covered), as_of
    "k510_unknown": _staff(_k510_unknown),
    # params: number, product_codes (covered)
    "k510_not_covered": _staff(_k510_not_covered),
    # params: number, device, product_code, applicant, decision_date, category (the lead's)
    "k510_other_product": _staff(_k510_other_product),
    # params: number, device, product_code, applicant, decision_date
    "k510_listed": _staff(_k510_listed),
    # params: terms (as written)
    "broker_terms": _staff(_broker_terms),
    "broker": _staff(N_("The supplier is a broker: ask for the manufacturer's written authorisation.")),
    # params: terms (the payment terms as written, 80 characters at most)
    "payment_upfront": _staff(N_("Asks for payment before delivery ('{terms}'): the classic scam; the city pays on "
                                 "delivery.")),
    "payment_ok": _staff(N_("Payment terms '{terms}' protect the buyer.")),
    # params: email_domain (and website_domain)
    "disposable_email": _staff(N_("Company uses a disposable (throwaway) e-mail address ({email_domain}).")),
    "webmail": _staff(N_("Company uses a free webmail address ({email_domain}).")),
    "domain_mismatch": _staff(N_("E-mail domain {email_domain} differs from the website's {website_domain}.")),
    # params: platform
    "storefront_website": _staff(N_(
        "The website is on {platform}, shared by many sellers (a marketplace, site builder, social page, link "
        "shortener or free-mail provider), not a domain of the company's own.")),
    "no_website": _staff(N_("No website given.")),
    "no_phone": _staff(N_("No phone number given.")),
    # params: phone (as written), and country for phone_invalid
    "bad_phone": _staff(N_("Phone number '{phone}' cannot be dialled.")),
    "phone_invalid": _staff(_phone_invalid),
    # params: quantity, above
    "implausible_quantity": _staff(N_("Offers {quantity_text} units: more than {above_text}, beyond almost any "
                                      "seller (3M made about 1.1 billion N95s in all of 2020).")),
    # params: quantity, supplier_type (a SUPPLIER_TYPES code: any but "manufacturer")
    "ready_millions": _staff(N_("{quantity_text} units 'ready to ship' with no lead time from a supplier that is not "
                                "the manufacturer ({supplier_type_text}).")),
    # params: fields (the missing field names)
    "incomplete": _staff(_incomplete),
    # params: matches ([lead id, probability], ...)
    "resembles_rejected": _staff(_resembles),
    # params: lead_ids (the first 8), count
    "duplicate": _staff(_duplicate),
}


def _signal_values(code: str, params: Mapping[str, Any]) -> dict[str, Any]:
    v: dict[str, Any] = _days_written({**params, "code": code})
    for key in ("price", "unit_price", "reference_price"):
        if v.get(key) is not None:
            v[f"{key}_text"] = money(_decimal(v[key]))
    for key in ("ratio", "ratio_as_typed"):
        if v.get(key) is not None:
            v[f"{key}_text"] = show_ratio(float(v[key]))
    if "supplier_type" in v:  # a code ("broker"): its label in a sentence, never the code
        v["supplier_type_text"] = (label(SUPPLIER_TYPES, str(v["supplier_type"])).lower() if v["supplier_type"]
                                   else _("not stated"))
    for key in ("quantity", "pack_size", "listed_count", "above"):  # whole numbers, grouped as the reader writes
        if isinstance(v.get(key), (int, float)) and not isinstance(v[key], bool):
            v[f"{key}_text"] = format_integer(int(v[key]))
    return v


def render_signal(stored: Mapping[str, Any], role: str) -> str | None:
    """A signal ({"code", "weight", "params", "evidence"}) worded for ``role``; None for the roles
    that do not see it (everyone but staff). A signal converted from a sentence (migration 0009:
    ``params.legacy_text``) shows that sentence to staff; an unknown code shows raw to staff."""
    role = reader_role(role)
    params = dict(stored.get("params") or {})
    code = stored.get("code") or LEGACY
    if "legacy_text" in params or ("sentence" in stored and "params" not in stored):
        return str(params.get("legacy_text", stored.get("sentence"))) if role == STAFF else NOT_SHOWN
    templates = SIGNALS.get(code)
    if templates is None:
        return f"{code} {params}" if role == STAFF else NOT_SHOWN
    template = templates[role]
    if template is NOT_SHOWN:
        return NOT_SHOWN
    values = _signal_values(code, params)
    return template(values) if callable(template) else worded(template, values)


# ---- the values templates may use ---------------------------------------------------------------

def _decimal(value: Any) -> Decimal | None:
    try:
        return None if value is None else Decimal(str(value))
    except InvalidOperation:
        return None


def _days(count: int) -> str:
    """'1 day', '12 days' (grouped as the reader writes numbers)."""
    return ngettext("{count} day", "{count} days", count).format(count=format_integer(count))


def _ready(lead: int) -> str:
    if lead == 0:
        return _("ready now")
    return ngettext("ready in {count} day", "ready in {count} days", lead).format(count=format_integer(lead))


def risk_band(score: int) -> str:
    """The band of a vetting score (100 clean, 0 stop), as the vetting queue shows it, in the
    reader's language."""
    return _("few concerns") if score >= 75 else _("some concerns") if score >= 40 else _("serious concerns")


def _before_or_after(slack: int, *, yours: bool) -> str:
    """How a delivery ``slack`` days before the request's needed-by date (negative: after) reads: for the buyer whose
    request it is ("your needed-by date") or for anyone else, staff and the supplier ("the needed-by date")."""
    if slack > 0:
        template = (ngettext("{count} day before your needed-by date", "{count} days before your needed-by date", slack) if yours
                    else ngettext("{count} day before the needed-by date", "{count} days before the needed-by date", slack))
    elif slack < 0:
        template = (ngettext("{count} day after your needed-by date", "{count} days after your needed-by date", -slack) if yours
                    else ngettext("{count} day after the needed-by date", "{count} days after the needed-by date", -slack))
    else:
        return _("on your needed-by date") if yours else _("on the needed-by date")
    return template.format(count=format_integer(abs(slack)))


def _close_reason(code: str | None) -> str | None:
    """The words of a CLOSE_REASONS code in the reader's language; None for none or an unknown code."""
    return label(CLOSE_REASONS, code) if code in dict(CLOSE_REASONS) else None


# The parameters that hold a day (ISO "2027-01-12" as stored): facts' (needed_by, valid_until,
# delivery_on and the one it replaces, the digest's day) and the registries' (a removal's, a decision's,
# a copy's date). A value that is not an ISO day is shown as stored.
DAY_PARAMS = ("needed_by", "valid_until", "delivery_on", "previous", "day", "date_removed", "decision_date",
              "as_of", "removed_on")


def _days_written(v: dict[str, Any]) -> dict[str, Any]:
    for key in DAY_PARAMS:
        if v.get(key):
            v[key] = format_day(v[key]) if isinstance(v[key], str) else v[key]
    return v


def _values(params: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters and what templates derive from them (money, plurals, labels), in the reader's
    language. Only the keys a fact has are derived; a template that needs a missing one fails in
    ``_format``."""
    v: dict[str, Any] = _days_written(dict(params))
    if "days_of_supply" in v:
        days = v["days_of_supply"]
        v["days_of_supply_text"] = ngettext("{count} day", "{count} days", days).format(count=days)
    price, maximum = _decimal(v.get("unit_price")), _decimal(v.get("max_unit_price"))
    if price is not None:
        v["price"] = money(price)
        if maximum is not None:
            headroom = maximum - price
            amount = money(headroom)
            v["headroom_yours"] = (_("{amount} under your maximum").format(amount=amount) if headroom
                                   else _("at your maximum"))
            v["headroom_theirs"] = (_("{amount} under the buyer's maximum").format(amount=amount) if headroom
                                    else _("at the buyer's maximum"))
    if "lead_time_days" in v and v["lead_time_days"] is not None:
        v["ready"] = _ready(int(v["lead_time_days"]))
        if v.get("days_until_needed") is not None:
            slack = int(v["days_until_needed"]) - int(v["lead_time_days"])
            v["deadline_yours"] = _before_or_after(slack, yours=True)
            v["deadline_theirs"] = _before_or_after(slack, yours=False)
    if v.get("late_days") is not None:
        v["late_days_text"] = _days(int(v["late_days"]))
    if v.get("distance_km") is not None:
        km = float(v["distance_km"])
        v["distance_text"] = (_("less than 1 km away") if km < 1
                              else _("{km} km away").format(km=format_integer(round(km))))
    for key in ("offer_category", "need_category"):
        if key in v:
            v[f"{key}_label"] = label(PRODUCT_CATEGORIES, v[key])
    if v.get("score") is not None:
        v["band"] = risk_band(int(v["score"]))
    if "quantity" in v and "category" in v:
        v["units"] = units_of(v["category"], int(v["quantity"]))
    if "status" in v:
        v["status_text"] = label(MATCH_STATUSES, str(v["status"])).lower()
        v["detail"] = v.get("reason") or _close_reason(v.get("close_reason"))
    if "category" in v and "category_label" not in v:
        v["category_label"] = label(PRODUCT_CATEGORIES, v["category"])
    if "close_reason" in v:
        v["close_reason_text"] = _close_reason(v["close_reason"]) or str(v["close_reason"])
    return v


def _format(table: Mapping[str, Mapping[str, Template]], stored: Any, role: str) -> str | None:
    one = as_fact(stored)
    templates = table.get(one["code"])
    role = reader_role(role)
    if templates is None:  # a code this version does not know: staff see it raw, nobody else
        return f"{one['code']} {one['params']}" if role == STAFF else NOT_SHOWN
    template = templates[role]
    if template is NOT_SHOWN:
        return NOT_SHOWN
    values = _values(one["params"])
    return template(values) if callable(template) else worded(template, values)


def render_reason(stored: Any, role: str) -> str | None:
    """One reason for ``role`` (see ``reader_role``), or None when that role does not see it."""
    return _format(REASONS, stored, role)


def render_reasons(stored: Iterable[Any] | None, role: str) -> list[str]:
    """A match's or plan line's reasons as ``role`` reads them, in order, leaving out the hidden."""
    return [text for text in (render_reason(r, role) for r in stored or ()) if text is not None]


def render_notification(stored: Any, role: str) -> str:
    """A notification's text for ``role``. Every code has a text for every role (a person is never
    told of an event without words); at most 500 characters. An account e-mail's is its subject."""
    code = as_fact(stored)["code"]
    if code in ACCOUNT_EMAILS:
        return _(ACCOUNT_EMAILS[code][0])
    return (_format(NOTIFICATIONS, stored, role) or "")[:500]


def render_email(stored: Any, role: str, url: str) -> tuple[str, str]:
    """(subject, body) of the e-mail copy of a notification, for its recipient's ``role``; ``url``
    is where to open it (absolute). Subject at most 200 characters. An account e-mail
    (ACCOUNT_EMAILS) is worded from its own table."""
    one = as_fact(stored)
    if one["code"] in ACCOUNT_EMAILS:
        subject, body = ACCOUNT_EMAILS[one["code"]]
        until = _(_UNTIL_CONFIRMED[reader_role(role)])
        return _(subject), worded(body, {**one["params"], "url": url, "until_confirmed": until})
    text = render_notification(stored, role)
    return text[:200], _(EMAIL_BODY).format(text=text, url=url)


# ---- why a plan was computed (match_plans.trigger) -------------------------------------------------
# A plan's trigger is a fact: the change that asked for it (a code of TRIGGERS) with its ids or
# counts. A burst of changes committed together computes one plan: it is named after the first
# change, and ``params.others`` counts the rest (``more_triggers``). Staff read it (the plan page, the
# API's plan); nobody else does: it may name a staff member's e-mail. Worded as the fragment the
# plan page puts in brackets: "computed Dec 3, 2026, 14:05 UTC (lead #42 approved) in 12 ms".

def _leads_imported(v: Mapping[str, Any]) -> str:
    return ngettext("{count} approved lead imported", "{count} approved leads imported", int(v["count"])).format(
        count=format_integer(int(v["count"])))


def _requests_imported(v: Mapping[str, Any]) -> str:
    return ngettext("{count} request imported", "{count} requests imported", int(v["count"])).format(
        count=format_integer(int(v["count"])))


TRIGGERS: dict[str, dict[str, Any]] = {
    # params: lead_id (a vetting decision, or a lead's quote, took supply in or out)
    "lead_approved": _staff(N_("lead #{lead_id} approved")),
    "lead_unapproved": _staff(N_("lead #{lead_id} no longer approved")),
    "lead_confirmed": _staff(N_("lead #{lead_id}: price and stock confirmed")),
    "lead_withdrawn": _staff(N_("lead #{lead_id} withdrawn by its supplier")),
    # params: count (the approved leads an import saved or changed)
    "leads_imported": _staff(_leads_imported),
    # params: demand_id
    "request_posted": _staff(N_("request #{demand_id} posted")),
    "request_changed": _staff(N_("request #{demand_id} changed")),
    "request_withdrawn": _staff(N_("request #{demand_id} withdrawn")),
    "request_closed": _staff(N_("request #{demand_id} closed: the rest is no longer needed")),
    # params: count (the requests an import saved or changed)
    "requests_imported": _staff(_requests_imported),
    # params: match_id (its units went back to supply and need; or staff proposed it themselves)
    "match_declined": _staff(N_("match #{match_id} declined")),
    "match_closed": _staff(N_("match #{match_id} closed")),
    "match_proposed": _staff(N_("match #{match_id} proposed by hand")),
    # params: email (an account the city deactivated: its proposals were withdrawn)
    "account_deactivated": _staff(N_("{email} deactivated")),
    # params: email (the staff member who asked on the plan page)
    "asked": _staff(N_("asked for by {email}")),
    # no params: found by the sweeper, or asked for without a reason
    "data_changed": _staff(N_("supply or demand changed since the last plan")),
    "dates_passed": _staff(N_("quotes lapsed or requests passed their needed-by date")),
    "demo_data": _staff(N_("demo data")),
    "command": _staff(N_("asked for on the command line")),
    # params: text (a trigger stored as an English sentence before facts: shown as written, quoted)
    LEGACY: _staff(N_("“{text}”")),
}


def trigger_fact(code: str, **params: Any) -> dict:
    """Why a plan is computed, to store (``match_plans.trigger``) and pass to the matching job:
    ``code`` one of TRIGGERS (ValueError otherwise), ``params`` plain values (ids, counts, an e-mail)."""
    if code not in TRIGGERS:
        raise ValueError(f"unknown plan trigger {code!r}")
    return fact(code, **params)


def stored_trigger(value: Any) -> dict:
    """``value`` as the trigger a plan stores: a fact of TRIGGERS (a copy); TypeError for anything
    else, a sentence included (``as_fact`` turns a sentence from before facts into a legacy one)."""
    if not isinstance(value, Mapping) or value.get("code") not in TRIGGERS:
        raise TypeError(f"a plan's trigger is a fact of messages.TRIGGERS, not {value!r}")
    return as_fact(value)


def _others(one: Mapping[str, Any]) -> int:
    count = one["params"].get("others")
    return count if isinstance(count, int) and not isinstance(count, bool) and count > 0 else 0


def more_triggers(first: Any, other: Any) -> dict:
    """``first`` standing for ``other`` too (one plan for both): ``params.others`` counts the changes
    besides the first, with those ``other`` already stood for."""
    one, two = as_fact(first), as_fact(other)
    one["params"]["others"] = _others(one) + 1 + _others(two)
    return one


def render_trigger(stored: Any, role: str = STAFF) -> str | None:
    """Why a plan was computed, worded for ``role`` (None for everyone but staff): "lead #42
    approved", and "lead #42 approved and 3 other changes" when it stood for more. A sentence
    stored before facts reads as written, in quotation marks; an unknown code raw."""
    one = as_fact(stored)
    others = _others(one)
    one["params"].pop("others", None)
    text = _format(TRIGGERS, one, role)
    if text is None or not others:
        return text
    return ngettext("{trigger} and {count} other change", "{trigger} and {count} other changes", others).format(
        trigger=text, count=format_integer(others))


def trigger_summary(stored: Any) -> str:
    """A trigger as operators read it in logs and job descriptions, the same in every language:
    "lead_approved lead_id=42 others=3". Never shown on a page (``render_trigger`` is)."""
    one = as_fact(stored)
    return " ".join([str(one["code"]), *(f"{key}={value}" for key, value in one["params"].items())])
