"""lead_status.edit_refusal: why an owner may no longer edit their offer, and what to do instead."""
from marketplace.domain.i18n import use_locale
from marketplace.domain.lead_status import LEAD_STATUSES, SUPPLIER_EDITABLE, edit_refusal


def test_every_locked_status_has_a_reason_and_editable_ones_none():
    for status, _label in LEAD_STATUSES:
        reason = edit_refusal(status)
        assert (reason is None) == (status in SUPPLIER_EDITABLE), status
        if reason:
            assert reason.startswith("This offer can no longer be edited: ")
    assert "review has started" in edit_refusal("under_review") and "Confirm price and stock" in edit_refusal("escalated")
    assert "withdraw" in edit_refusal("approved") and "Confirm" not in edit_refusal("withdrawn")


def test_the_reason_is_in_spanish():
    with use_locale("es"):
        assert edit_refusal("under_review").startswith("Esta oferta ya no se puede editar")
