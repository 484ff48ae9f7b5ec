"""What one person may decide on one lead now (domain.four_eyes.lead_decisions): the buttons, the
keyboard shortcuts, the text help and the four-eyes notice come from this one rule, so a decided
lead offers no approval, and the vetter who gave the first of two approvals is not offered the
second."""
from __future__ import annotations

from decimal import Decimal

from marketplace.domain import i18n
from marketplace.domain.four_eyes import (
    MINE,
    SECOND,
    SELF,
    TWO_NEEDED,
    WAITING,
    FourEyes,
    lead_decisions,
    together_choices,
)
from marketplace.domain.permissions import self_vetting_reason

LARGE = FourEyes(Decimal("6125000"), Decimal("100000"), ())  # the walk's lead: $6,125,000.00
SMALL = FourEyes(Decimal("395"), Decimal("100000"), ())


def names(decisions):
    return [a.name for a in decisions.actions]


def test_an_approved_lead_offers_no_approval_and_no_four_eyes_notice():
    # The walk's example: an admin on an approved large lead (only reject and reopen are open).
    decided = lead_decisions("approved", "admin", actor_id=1, first_approver_id=None, rule=LARGE)
    assert names(decided) == ["reject", "reopen"]
    assert decided.notice is None
    assert decided.shortcuts() == [("R", "reject")]
    with i18n.use_locale("es"):
        assert decided.shortcuts() == [("R", "rechazar")]
        assert decided.texts_help() == "Rechazar necesita un motivo; Reabrir necesita una nota."


def test_a_rejected_lead_offers_no_approve_or_reject():
    # The second example of the kind: a vetter on a rejected lead may take nothing; an admin reopens.
    for role, expected in (("vetter", []), ("admin", ["reopen"])):
        decided = lead_decisions("rejected", role, actor_id=1, first_approver_id=None, rule=LARGE)
        assert names(decided) == expected and decided.notice is None and decided.shortcuts() == []
    # A first approval left on a lead the supplier withdrew says nothing either.
    assert lead_decisions("withdrawn", "admin", actor_id=1, first_approver_id=2, rule=LARGE).notice is None


def test_the_first_approver_is_not_offered_the_second_approval():
    mine = lead_decisions("under_review", "vetter", actor_id=3, first_approver_id=3, rule=LARGE)
    assert "approve" not in names(mine) and names(mine) == ["reject", "request_info", "escalate"]
    assert mine.notice == MINE
    assert ("A", "approve") not in mine.shortcuts() and mine.shortcuts() == [("R", "reject"), ("I", "ask the supplier")]


def test_another_vetter_is_offered_the_second_approval_by_name():
    second = lead_decisions("under_review", "vetter", actor_id=4, first_approver_id=3, rule=LARGE)
    assert names(second)[0] == "approve" and second.notice == SECOND
    approve = second.actions[0]
    assert second.button_label(approve) == "Approve (second approval)"
    assert second.shortcuts()[0] == ("A", "approve")
    with i18n.use_locale("es"):
        assert second.button_label(approve) == "Aprobar (segunda aprobación)"
    # An escalated lead: an admin gives the second approval; a vetter waits (their role may not approve).
    assert lead_decisions("escalated", "admin", actor_id=4, first_approver_id=3, rule=LARGE).notice == SECOND
    assert lead_decisions("escalated", "vetter", actor_id=4, first_approver_id=3, rule=LARGE).notice == WAITING


def test_an_open_lead_says_two_vetters_only_when_the_rule_asks():
    first = lead_decisions("submitted", "vetter", actor_id=4, first_approver_id=None, rule=LARGE)
    assert first.notice == TWO_NEEDED and first.button_label(first.actions[1]) == "Approve"
    small = lead_decisions("submitted", "vetter", actor_id=4, first_approver_id=None, rule=SMALL)
    assert small.notice is None
    assert small.shortcuts() == [("A", "approve"), ("R", "reject"), ("I", "ask the supplier")]
    assert small.texts_help() == ('Reject needs a reason; "Ask the supplier" sends the text as a question; '
                                  'Escalate needs a note.')


def test_deciding_leads_together_follows_the_same_rule():
    """The cluster form (several leads of a supplier, issue 11 item 5) takes each lead's decisions
    from lead_decisions: the first approver may not approve (the given example); a lead of their
    own domain or an escalated one (for a vetter) may not be chosen at all (the same kind), and
    each says why; an administrator's "approve" of an escalated lead is its own action."""
    mine = together_choices(lead_decisions("under_review", "vetter", actor_id=1, first_approver_id=1, rule=LARGE),
                            "under_review", "vetter")
    assert list(mine.actions) == ["reject"] and mine.selectable
    assert mine.refusal() == "Approve: needs a second vetter: you gave the first approval"
    with i18n.use_locale("es"):
        told = together_choices(lead_decisions("under_review", "vetter", actor_id=1, first_approver_id=1, rule=LARGE),
                                "under_review", "vetter").refusal()
        assert told == "Aprobar: necesita un segundo revisor: usted dio la primera aprobación"
    second = together_choices(lead_decisions("under_review", "vetter", actor_id=2, first_approver_id=1, rule=LARGE),
                              "under_review", "vetter")
    assert list(second.actions) == ["approve", "reject"] and second.refusal() == ""
    own = together_choices(lead_decisions("submitted", "vetter", actor_id=1, first_approver_id=None, rule=SMALL,
                                          self_vetting="you submitted this lead yourself"), "submitted", "vetter")
    assert not own.selectable and own.refusal() == "you may not decide on this lead: you submitted this lead yourself"
    escalated = together_choices(lead_decisions("escalated", "vetter", actor_id=1, first_approver_id=None, rule=SMALL),
                                 "escalated", "vetter")
    assert not escalated.selectable and escalated.refusal() == "escalated: only an administrator decides on it"
    admin = together_choices(lead_decisions("escalated", "admin", actor_id=1, first_approver_id=None, rule=SMALL),
                             "escalated", "admin")
    assert {name: a.name for name, a in admin.actions.items()} == {"approve": "approve_escalated",
                                                                   "reject": "reject_escalated"}


def own_domain(actor_domain="example.gov", lead_domain="example.gov", **ids):
    return self_vetting_reason(actor_id=ids.get("actor_id", 1), actor_email_domain=actor_domain,
                               lead_owner_id=ids.get("owner_id"), lead_created_by_id=ids.get("created_by_id"),
                               lead_email_domain=lead_domain)


def test_a_lead_from_the_vetters_own_domain_offers_nothing_and_says_why():
    """Self-vetting (quality bar S3) is part of the one rule: the given example, a vetter on a lead
    from their own e-mail domain, had Approve and Reject buttons and keys and was refused only on
    pressing. Now no action, no key, and the notice says why (the server's refusal says the same)."""
    decided = lead_decisions("submitted", "vetter", actor_id=1, first_approver_id=None, rule=LARGE,
                             self_vetting=own_domain())
    assert names(decided) == [] and decided.shortcuts() == [] and decided.texts_help() == ""
    assert decided.notice == SELF  # not TWO_NEEDED: approving is not theirs at all
    assert decided.refusal() == "You may not decide on this lead: it comes from your own e-mail domain (example.gov)."
    with i18n.use_locale("es"):
        assert lead_decisions("submitted", "vetter", actor_id=1, first_approver_id=None, rule=LARGE,
                              self_vetting=own_domain()).refusal() == (
            "No puede decidir sobre esta oferta: viene de su propio dominio de correo (example.gov).")
    # Together with the supplier's other leads it cannot be chosen, and says why (one reason once).
    together = together_choices(decided, "submitted", "vetter")
    assert not together.selectable
    assert together.refusal() == "you may not decide on this lead: it comes from your own e-mail domain (example.gov)"
    # Nobody else is bound: another domain, or a free webmail domain shared with the supplier.
    for reason in (own_domain(lead_domain="harborindustrial.com"), own_domain("gmail.com", "gmail.com")):
        assert reason is None
        free = lead_decisions("submitted", "vetter", actor_id=1, first_approver_id=None, rule=SMALL, self_vetting=reason)
        assert names(free)[:2] == ["start_review", "approve"] and free.refusal() == ""


def test_the_vetters_own_lead_and_an_administrators_own_domain_offer_nothing():
    """The second example of the kind: a lead the vetter submitted (or created) themselves, and an
    administrator on an escalated lead from their own domain, each with a first approval on it
    by another vetter: no second approval, no four-eyes notice, only why."""
    for ids in (dict(owner_id=1), dict(created_by_id=1)):
        own = lead_decisions("under_review", "vetter", actor_id=1, first_approver_id=2, rule=LARGE,
                             self_vetting=own_domain(lead_domain="elsewhere.com", **ids))
        assert names(own) == [] and own.notice == SELF
        assert own.refusal() == "You may not decide on this lead: you submitted this lead yourself."
    admin = lead_decisions("escalated", "admin", actor_id=1, first_approver_id=2, rule=LARGE,
                           self_vetting=own_domain())
    assert names(admin) == [] and admin.notice == SELF and admin.shortcuts() == []
    together = together_choices(admin, "escalated", "admin")
    assert not together.selectable and set(together.refusals) == {"approve", "reject"}
