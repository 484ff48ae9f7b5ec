"""The values an event stored, as staff read them under its sentence (domain.history.details):
field by field in words, in the reader's language; never raw JSON, an unknown key humanised."""
from __future__ import annotations

from marketplace.domain import i18n
from marketplace.domain.history import Entry, details


def test_a_held_offer_created_by_form_in_words():
    # The walk's example: {"source": "form", "status": "held"}.
    entry = Entry("lead.create", after={"source": "form", "status": "held"})
    assert details(entry, "vetter") == "source: web form; status: waiting for e-mail confirmation"
    with i18n.use_locale("es"):
        text = details(entry, "admin")
    assert "{" not in text and '"' not in text and text.startswith("fuente: ")


def test_a_first_approval_and_a_proposal_in_words():
    # A second kind of entry: a first approval names the status, what it awaits and why.
    first = Entry("lead.first_approval", after={"status": "under_review", "awaiting": "second approval",
                                                 "why": "its value $395,000.00 is above $100,000"})
    assert details(first, "vetter") == ("status: under review; awaiting: second approval; "
                                        "why: its value $395,000.00 is above $100,000")
    with i18n.use_locale("es"):
        assert details(first, "vetter").startswith("estado: en revisión; pendiente: segunda aprobación; ")
    # A match's status is a match's; the people and records it names by id are named.
    propose = Entry("match.propose", after={"status": "proposed", "quantity": 4000, "plan": 7})
    assert details(propose, "admin") == "status: proposed; quantity: 4,000; allocation plan: #7"
    approve = Entry("lead.approve", after={"status": "approved", "first_approved_by": 3})
    assert details(approve, "admin", {3: "ann@city.example.gov"}) == \
        "status: approved; first approval by: ann@city.example.gov"


def test_unknown_keys_are_humanised_and_nested_values_in_words():
    entry = Entry("lead.something_new", after={"retry_count": 2, "checked": True, "extra_info": {"reason_code": "x"},
                                               "tags": ["a", "b"], "nothing": None})
    assert details(entry, "vetter") == ("retry count: 2; checked: yes; extra info: reason code: x; tags: a, b; "
                                        "nothing: none")


def test_only_staff_read_the_values():
    entry = Entry("lead.create", after={"source": "form", "status": "held"})
    assert details(entry, "supplier") == "" and details(entry, "buyer") == ""
    assert details(Entry("lead.claim_release"), "vetter") == ""
