"""Why a plan was computed is a fact (domain.messages.TRIGGERS), worded for staff in their language
when shown: every code in English and in Spanish, counts by the language's plural rules, the other
changes a plan stood for, and a sentence stored before facts, quoted as written."""
from __future__ import annotations

import pytest

from marketplace.domain import i18n
from marketplace.domain.messages import (
    TRIGGERS,
    more_triggers,
    render_trigger,
    stored_trigger,
    trigger_fact,
    trigger_summary,
)

# code, params, English, Spanish: one row for every code of TRIGGERS.
WORDED = [
    ("lead_approved", {"lead_id": 42}, "lead #42 approved", "oferta #42 aprobada"),
    ("lead_unapproved", {"lead_id": 42}, "lead #42 no longer approved", "oferta #42 ya no aprobada"),
    ("lead_confirmed", {"lead_id": 7}, "lead #7: price and stock confirmed",
     "oferta #7: precio y existencias confirmados"),
    ("lead_withdrawn", {"lead_id": 7}, "lead #7 withdrawn by its supplier", "oferta #7 retirada por su proveedor"),
    ("leads_imported", {"count": 3}, "3 approved leads imported", "3 ofertas aprobadas importadas"),
    ("request_posted", {"demand_id": 12}, "request #12 posted", "solicitud #12 publicada"),
    ("request_changed", {"demand_id": 12}, "request #12 changed", "solicitud #12 modificada"),
    ("request_withdrawn", {"demand_id": 12}, "request #12 withdrawn", "solicitud #12 retirada"),
    ("request_closed", {"demand_id": 12}, "request #12 closed: the rest is no longer needed",
     "solicitud #12 cerrada: el resto ya no se necesita"),
    ("requests_imported", {"count": 1500}, "1,500 requests imported", "1.500 solicitudes importadas"),
    ("match_declined", {"match_id": 5}, "match #5 declined", "propuesta #5 rechazada"),
    ("match_closed", {"match_id": 5}, "match #5 closed", "propuesta #5 cerrada"),
    ("match_proposed", {"match_id": 5}, "match #5 proposed by hand", "propuesta #5 hecha a mano"),
    ("account_deactivated", {"email": "s@y.example"}, "s@y.example deactivated",
     "cuenta de s@y.example desactivada"),
    ("asked", {"email": "x@y.example"}, "asked for by x@y.example", "pedido por x@y.example"),
    ("data_changed", {}, "supply or demand changed since the last plan",
     "la oferta o la demanda cambiaron desde el último plan"),
    ("dates_passed", {}, "quotes lapsed or requests passed their needed-by date",
     "ofertas vencidas o solicitudes que pasaron la fecha para la que se necesitaban"),
    ("demo_data", {}, "demo data", "datos de demostración"),
    ("command", {}, "asked for on the command line", "pedido desde la línea de órdenes"),
    ("legacy", {"text": "lead 42 approved (+2 more)"}, "“lead 42 approved (+2 more)”",
     "«lead 42 approved (+2 more)»"),
]


def test_every_code_is_worded_here():
    assert sorted(code for code, *_ in WORDED) == sorted(TRIGGERS)


@pytest.mark.parametrize(("code", "params", "english", "spanish"), WORDED, ids=[row[0] for row in WORDED])
def test_each_trigger_reads_in_english_and_in_spanish(code, params, english, spanish):
    stored = trigger_fact(code, **params)
    with i18n.use_locale("en"):
        assert render_trigger(stored) == english
    with i18n.use_locale("es"):
        assert render_trigger(stored) == spanish


@pytest.mark.parametrize(("code", "count", "english", "spanish"), [
    ("leads_imported", 1, "1 approved lead imported", "1 oferta aprobada importada"),
    ("requests_imported", 1, "1 request imported", "1 solicitud importada"),
    ("requests_imported", 2, "2 requests imported", "2 solicitudes importadas"),
])
def test_counts_take_the_language_s_singular_and_plural(code, count, english, spanish):
    with i18n.use_locale("en"):
        assert render_trigger(trigger_fact(code, count=count)) == english
    with i18n.use_locale("es"):
        assert render_trigger(trigger_fact(code, count=count)) == spanish


def test_a_plan_that_stood_for_other_changes_counts_them_in_words():
    one = more_triggers(trigger_fact("lead_approved", lead_id=42), trigger_fact("request_posted", demand_id=3))
    assert one == {"code": "lead_approved", "params": {"lead_id": 42, "others": 1}}
    # a trigger that already stood for two others adds them, and itself
    three = more_triggers(trigger_fact("lead_approved", lead_id=1), more_triggers(one, trigger_fact("demo_data")))
    assert three["params"]["others"] == 3
    with i18n.use_locale("en"):
        assert render_trigger(one) == "lead #42 approved and 1 other change"
        assert render_trigger(three) == "lead #1 approved and 3 other changes"
    with i18n.use_locale("es"):
        assert render_trigger(one) == "oferta #42 aprobada y 1 cambio más"
        assert render_trigger(three) == "oferta #1 aprobada y 3 cambios más"


def test_combining_leaves_the_stored_facts_alone():
    first = trigger_fact("lead_approved", lead_id=42)
    more_triggers(first, trigger_fact("demo_data"))
    assert first == {"code": "lead_approved", "params": {"lead_id": 42}}


def test_only_staff_read_a_trigger_and_a_sentence_from_before_is_quoted():
    stored = trigger_fact("asked", email="vetter@city.example")
    assert render_trigger(stored, "buyer") is None and render_trigger(stored, "supplier") is None
    assert render_trigger(stored, "vetter") == render_trigger(stored, "admin") == "asked for by vetter@city.example"
    with i18n.use_locale("es"):
        assert render_trigger("flask matching run") == "«flask matching run»"


def test_a_trigger_is_a_code_of_the_fixed_set():
    with pytest.raises(ValueError):
        trigger_fact("lead 42 approved")
    with pytest.raises(TypeError):
        stored_trigger("lead 42 approved")  # a sentence is not stored any more
    with pytest.raises(TypeError):
        stored_trigger({"code": "made_up", "params": {}})
    assert stored_trigger({"code": "legacy", "params": {"text": "x"}}) == {"code": "legacy", "params": {"text": "x"}}


def test_operators_read_the_same_summary_in_every_language():
    stored = more_triggers(trigger_fact("lead_approved", lead_id=42), trigger_fact("demo_data"))
    with i18n.use_locale("es"):
        assert trigger_summary(stored) == "lead_approved lead_id=42 others=1"
    assert trigger_summary("changed") == "legacy text=changed"
