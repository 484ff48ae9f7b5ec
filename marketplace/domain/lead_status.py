"""Lead statuses (the vetting decision) and processing states (the background pipeline)."""
from __future__ import annotations

from dataclasses import dataclass

from .catalog import STAFF_ROLES, label
from .i18n import N_, _
from .text import MESSAGE_MAX_LENGTH, length_refusal

# A lead from a supplier whose e-mail address is not confirmed yet: saved and processed, but not in
# the vetting queue (not an open status) until the owner follows the confirmation link.
HELD = "held"
SUBMITTED = "submitted"
UNDER_REVIEW = "under_review"
INFO_REQUESTED = "info_requested"
ESCALATED = "escalated"
APPROVED = "approved"
REJECTED = "rejected"
# The supplier withdrew the offer (instead of confirming a quote about to lapse, domain.quotes).
WITHDRAWN = "withdrawn"

LEAD_STATUSES: tuple[tuple[str, str], ...] = (
    (HELD, N_("Waiting for e-mail confirmation")),
    (SUBMITTED, N_("Submitted")),
    (UNDER_REVIEW, N_("Under review")),
    (INFO_REQUESTED, N_("Information requested")),
    (ESCALATED, N_("Escalated")),
    (APPROVED, N_("Approved")),
    (REJECTED, N_("Rejected")),
    (WITHDRAWN, N_("Withdrawn by the supplier")),
)

# A supplier may edit a lead until vetting starts (and again when a vetter asks for information).
SUPPLIER_EDITABLE = frozenset({HELD, SUBMITTED, INFO_REQUESTED})

PROCESSING_PENDING = "pending"
PROCESSING_DONE = "done"
PROCESSING_FAILED = "failed"
# The processing states as staff read them (marked with N_, translated where shown).
PROCESSING_STATES: tuple[tuple[str, str], ...] = (
    (PROCESSING_PENDING, N_("pending")),
    (PROCESSING_DONE, N_("done")),
    (PROCESSING_FAILED, N_("failed")),
)


def supplier_may_edit(status: str) -> bool:
    return status in SUPPLIER_EDITABLE


def edit_refusal(status: str) -> str | None:
    """Why the supplier may no longer edit their own offer in ``status``, and what they may do
    instead (the offer page's "Confirm price and stock, or withdraw"), in words; None while they
    may edit it. Told to the offer's owner only: anyone else is refused without a reason."""
    if supplier_may_edit(status):
        return None
    if status == APPROVED:
        return _("This offer can no longer be edited: it is approved. Use \"Confirm price and stock, or withdraw\" "
                 "to change its price or quantity, or to withdraw it.")
    if status == REJECTED:
        return _("This offer can no longer be edited: it was rejected.")
    if status == WITHDRAWN:
        return _("This offer can no longer be edited: it was withdrawn.")
    return _("This offer can no longer be edited: review has started. Use \"Confirm price and stock, or withdraw\" "
             "to confirm it as it is, or to withdraw it.")


def submission_status(owner_email_confirmed: bool) -> str:
    """The status of a lead a supplier submits: SUBMITTED (into the vetting queue), or HELD while
    the supplier has not confirmed their e-mail address (the queue is for reachable suppliers)."""
    return SUBMITTED if owner_email_confirmed else HELD


# A decided lead was vetted with the details it has: a re-import may not change them (contacts,
# price, anything), or an approved lead would carry a new e-mail and phone to its accepted matches
# unvetted. An admin reopens the lead first; the lead is then reviewed again with the new details.
DECIDED = frozenset({APPROVED, REJECTED, WITHDRAWN})
# A supplier may withdraw an offer in these statuses (not once it is rejected or withdrawn).
WITHDRAWABLE = frozenset({HELD, SUBMITTED, UNDER_REVIEW, INFO_REQUESTED, ESCALATED, APPROVED})


def import_may_change(status: str) -> bool:
    """Whether ``flask leads import`` / the staff import page may change a lead in ``status``."""
    return status not in DECIDED


# --- Vetting decisions: the one transition table -----------------------------------------------
OPEN_STATUSES = (SUBMITTED, UNDER_REVIEW, INFO_REQUESTED, ESCALATED)


@dataclass(frozen=True)
class Action:
    name: str
    label: str  # marked with N_: translate with _() where shown (``shown_label``)
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    needs_text: str | None = None  # what the free text is called, if it is required
    # What the one who acted is told it did (marked with N_; ``done_message``): the action's own
    # words, never "Lead #61 is now information requested."
    done: str = ""
    key: str | None = None  # the lead page's keyboard shortcut (a lower-case letter), if any
    key_help: str | None = None  # what the shortcuts' help calls it (N_: "approve"), if a key

    @property
    def shown_label(self) -> str:
        """The label in the current language (a button, a message)."""
        return _(self.label)

    def done_message(self, lead_id: int) -> str:
        """What happened, for the one who did it, in the current language ("Your question was sent to
        the supplier; lead #61 waits for the answer.")."""
        return _(self.done).format(id=lead_id)

    @property
    def text_needed(self) -> str | None:
        """What the text box asks for when the decision is pressed without its text, in the current
        language ("Please give a reason."; the keyboard shortcut shows it in the box), else None."""
        return _(TEXTS_NEEDED[self.needs_text]) if self.needs_text else None


# Who decides on leads: city staff.
STAFF = frozenset(STAFF_ROLES)

ACTIONS: dict[str, Action] = {a.name: a for a in (
    Action("start_review", N_("Start review"), frozenset({SUBMITTED}), UNDER_REVIEW, STAFF,
           done=N_("You started the review of lead #{id}.")),
    Action("approve", N_("Approve"), frozenset({SUBMITTED, UNDER_REVIEW, INFO_REQUESTED}), APPROVED,
           STAFF, done=N_("You approved lead #{id}."), key="a", key_help=N_("approve")),
    Action("reject", N_("Reject"), frozenset({SUBMITTED, UNDER_REVIEW, INFO_REQUESTED, APPROVED}), REJECTED,
           STAFF, needs_text="reason", done=N_("You rejected lead #{id}."), key="r", key_help=N_("reject")),
    Action("request_info", N_("Ask the supplier"), frozenset({SUBMITTED, UNDER_REVIEW, ESCALATED}), INFO_REQUESTED,
           STAFF, needs_text="question",
           done=N_("Your question was sent to the supplier; lead #{id} waits for the answer."),
           key="i", key_help=N_("ask the supplier")),
    Action("escalate", N_("Escalate"), frozenset({SUBMITTED, UNDER_REVIEW, INFO_REQUESTED}), ESCALATED,
           STAFF, needs_text="note", done=N_("You escalated lead #{id}; an administrator decides on it.")),
    # An escalated lead is decided by an administrator.
    Action("approve_escalated", N_("Approve"), frozenset({ESCALATED}), APPROVED, frozenset({"admin"}),
           done=N_("You approved lead #{id}."), key="a", key_help=N_("approve")),
    Action("reject_escalated", N_("Reject"), frozenset({ESCALATED}), REJECTED, frozenset({"admin"}), needs_text="reason",
           done=N_("You rejected lead #{id}."), key="r", key_help=N_("reject")),
    Action("reopen", N_("Reopen"), frozenset({APPROVED, REJECTED}), UNDER_REVIEW, frozenset({"admin"}), needs_text="note",
           done=N_("You reopened lead #{id}; it is under review again.")),
    # The supplier's answer to a question sends the lead back to the vetters.
    Action("answer", N_("Send answer"), frozenset({INFO_REQUESTED}), UNDER_REVIEW, frozenset({"supplier"}),
           needs_text="answer", done=N_("Thank you: your answer about offer #{id} is sent to city staff.")),
)}


# The decisions that approve a lead (four eyes, domain.four_eyes, counts them).
APPROVALS = ("approve", "approve_escalated")


class TransitionError(ValueError):
    pass


# What TextNeeded says for each text an action needs (Action.needs_text), in whole sentences.
TEXTS_NEEDED = {
    "reason": N_("Please give a reason."),
    "question": N_("Please give a question."),
    "note": N_("Please give a note."),
    "answer": N_("Please give an answer."),
}

# What the decision form's help says of each text an action needs, over {action} (its label).
TEXTS_HELP = {
    "reason": N_("{action} needs a reason"),
    "question": N_("\"{action}\" sends the text as a question"),
    "note": N_("{action} needs a note"),
    "answer": N_("{action} needs an answer"),
}


class TextRefused(TransitionError):
    """The text of a decision (a reason, a question, a note, an answer) is refused: none was given
    (TextNeeded) or it is longer than text.MESSAGE_MAX_LENGTH (TextTooLong). The web layer shows
    the message by the text box; the API answers it as a field's problem (422)."""


class TextTooLong(TextRefused):
    """A decision's text longer than text.MESSAGE_MAX_LENGTH: never cut, refused with its count."""


class TextNeeded(TextRefused):
    """A decision that needs a text (a reason, a question, a note, an answer) was given none.
    ``needs`` names the text (a key of TEXTS_NEEDED: "reason"); the web layer shows the message,
    in the current language, by the text box."""

    def __init__(self, needs: str) -> None:
        super().__init__(_(TEXTS_NEEDED[needs]))
        self.needs = needs


def transition(action_name: str, status: str, role: str, text: str | None = None) -> str:
    """The status after ``action_name``, or TransitionError saying why it is not allowed."""
    action = ACTIONS.get(action_name)
    if action is None:
        raise TransitionError(_("Unknown action {action!r}.").format(action=action_name))
    if role not in action.roles:
        raise TransitionError(_("'{action}' is not for your role.").format(action=action.shown_label))
    if status not in action.sources:
        # A supplier reads "offer", staff "lead" (docs/decisions.md: "Offer or lead: one word per reader").
        refusal = (_("'{action}' is not possible for an offer that is {status}.") if role == "supplier"
                   else _("'{action}' is not possible for a lead that is {status}."))
        raise TransitionError(refusal.format(action=action.shown_label, status=label(LEAD_STATUSES, status).lower()))
    if action.needs_text and not (text or "").strip():
        raise TextNeeded(action.needs_text)
    if refusal := length_refusal(text, MESSAGE_MAX_LENGTH):
        raise TextTooLong(refusal)
    return action.target


def available_actions(status: str, role: str) -> list[Action]:
    """The decisions ``role`` may take on a lead in ``status`` by the transition table alone; what
    one person may take on one lead now (four eyes) is domain.four_eyes.lead_decisions."""
    return [a for a in ACTIONS.values() if status in a.sources and role in a.roles]
