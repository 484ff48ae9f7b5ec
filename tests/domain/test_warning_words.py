"""Wording faults a fresh user found (branch warnwords): the figures the forms ask to confirm in
the reader's language, what a decision or a match's step did in words for that action, Spanish that
agrees with its noun, signed weights in the reader's notation, the evidence notes of registries."""
from decimal import Decimal

import pytest

from marketplace.domain import i18n
from marketplace.domain.catalog import label
from marketplace.domain.certifications import EVIDENCE_NOTES, evidence_note
from marketplace.domain.lead_status import ACTIONS
from marketplace.domain.match_status import MATCH_ACTIONS, MATCH_STATUSES
from marketplace.domain.scoring import figures_to_confirm, request_figures_to_confirm
from tests.domain.test_packs_and_plausibility import GLOVES, parsed

ENGLISH_WORDS = ("reference price", "a unit", "confirm it", "units per pack", "per single unit", "pack of")


def spanish(func, *args):
    """``func(*args)`` in Spanish, non-breaking spaces (Babel's, in "0,035 US$") read as spaces."""
    with i18n.use_locale("es"):
        found = func(*args)
    if isinstance(found, dict):
        return {key: text.replace("\xa0", " ") for key, text in found.items()}
    return found.replace("\xa0", " ")


# --- 1. the figures a form asks to confirm ----------------------------------------------------

def test_a_suppliers_price_far_above_the_reference_is_asked_about_in_spanish():
    """The given example: 1,50 US$ a glove, 43x the reference, read in Spanish with Spanish money."""
    warnings = spanish(figures_to_confirm, parsed(**{**GLOVES, "unit_price": "1.50"}))
    # Over the legal ceiling (1.1x), the ceiling's sentence says it once, with the law and what follows.
    assert warnings["unit_price"] == (
        "1,50 US$ por unidad es 43x el precio de referencia de guantes de examen de nitrilo (cada uno) "
        "(0,035 US$): más de un 10% por encima. El Código Penal de California 396 prohíbe esos precios durante "
        "una emergencia declarada. El personal de la ciudad ve la oferta señalada y solo la aprueba con una "
        "justificación que deja registrada. Si el precio es correcto, confírmelo abajo.")
    assert figures_to_confirm(parsed(**{**GLOVES, "unit_price": "1.50"}))["unit_price"].replace("\xa0", " ") == (
        "$1.50 a unit is 43x the reference price of nitrile exam gloves (each) ($0.035): more than 10% above it. "
        "California Penal Code 396 forbids such prices during a declared emergency. City staff see the offer "
        "flagged and approve it only with a justification they record. If the price is right, confirm it below.")
    # Far below the reference ("too good to be true"): the plain sentence.
    cheap = figures_to_confirm(parsed(**{**GLOVES, "unit_price": "0.001"}))["unit_price"].replace("\xa0", " ")
    assert cheap.startswith("$0.001 a unit is ") and "Penal Code" not in cheap


def test_a_price_read_as_a_packs_and_a_pack_price_are_asked_about_in_spanish():
    """The given example ("caja de 100" with 12,50 US$) and a second of the kind: a price typed per
    pack (pack size given), quoted with its pack in Spanish; a quantity grouped the Spanish way."""
    warning = spanish(figures_to_confirm, parsed(**{**GLOVES, "unit_price": "12.50",
                                                    "product_description": "Guantes de nitrilo, caja de 100"}))
    assert ("La oferta dice «caja de 100»: si 12,50 US$ es el precio de una caja, indique 100 en unidades por "
            "caja (y el número de cajas como cantidad).") in warning["unit_price"]
    per_pack = spanish(figures_to_confirm, parsed(unit_price="190", pack_size="20", quantity="10", min_order_qty=""))
    assert "(190,00 US$ por una caja de 20)" in per_pack["unit_price"]
    huge = spanish(figures_to_confirm, parsed(quantity="1000000000000", min_order_qty=""))
    assert huge["quantity"].startswith("1.000.000.000.000 unidades son más de ")
    for text in (*warning.values(), *per_pack.values(), *huge.values()):
        assert not any(word in text for word in ENGLISH_WORDS), text


def test_a_buyers_maximum_far_from_the_reference_is_asked_about_in_spanish():
    """The buyer's example (12,50 US$ for a glove: a box's price) and a second: an N95 at 5 cents."""
    box = spanish(request_figures_to_confirm, {"category": "nitrile_gloves", "max_unit_price": Decimal("12.50")})
    assert box["max_unit_price"] == (
        "12,50 US$ por unidad es 357x el precio de referencia de guantes de examen de nitrilo (cada uno) "
        "(0,035 US$). El máximo es por unidad suelta (un guante, una mascarilla, un frasco), no por caja ni por bulto.")
    low = spanish(request_figures_to_confirm, {"category": "n95_respirator", "max_unit_price": Decimal("0.05")})
    assert low["max_unit_price"].startswith("0,05 US$ por unidad es 0,06x el precio de referencia de respiradores N95")


# --- 2. what an action did, in its own words ---------------------------------------------------

def test_each_decision_and_step_says_what_it_did_not_a_status():
    """The two given examples, and every action of both tables worded (never "is now <status>")."""
    assert ACTIONS["request_info"].done_message(61) == (
        "Your question was sent to the supplier; lead #61 waits for the answer.")
    assert MATCH_ACTIONS["confirm_availability"].done_message(7) == "You confirmed you can supply match #7."
    assert MATCH_ACTIONS["set_delivery_date"].done_message(7, "Dec 3, 2026") == (
        "Match #7: delivery expected on Dec 3, 2026.")
    for action in (*ACTIONS.values(), *MATCH_ACTIONS.values()):
        english = action.done_message(5)
        assert "#5" in english and "is now" not in english, action.name
        assert spanish(action.done_message, 5) != english, action.name
    assert spanish(ACTIONS["request_info"].done_message, 61) == (
        "Su pregunta se envió al proveedor; la oferta #61 espera la respuesta.")
    assert spanish(MATCH_ACTIONS["confirm_availability"].done_message, 7) == (
        "Confirmó que puede suministrar la propuesta #7.")


# --- 3. Spanish that agrees; numbers in the reader's notation -----------------------------------

@pytest.mark.parametrize("name", ["mark_delivered", "mark_ordered"])
def test_a_match_button_agrees_with_the_status_it_gives(name):
    """"Marcar como entregado" beside "Entregada": the participle agrees with la propuesta, as the
    status it leads to reads ("Marcar como entregada", "Marcar como pedida")."""
    action = MATCH_ACTIONS[name]
    with i18n.use_locale("es"):
        assert action.text == "Marcar como " + label(MATCH_STATUSES, action.target).lower()


def test_a_row_of_the_match_funnel_is_not_named_as_its_table():
    """The dashboard's "Propuestas" table had a row "Propuestas 7" (proposed matches)."""
    with i18n.use_locale("es"):
        assert i18n._("Matches") == "Propuestas"
        assert i18n.pgettext(i18n.COUNT, "Proposed") == "Por responder"


def test_signed_weights_are_written_in_the_readers_notation():
    """"igual (+4.0)" on a Spanish page: +4,0; a negative one too (-2,5); whole weights (-30)."""
    assert [i18n.format_signed(v) for v in (4, Decimal("-2.5"), 0)] == ["+4.0", "-2.5", "+0.0"]
    with i18n.use_locale("es"):
        assert [i18n.format_signed(v) for v in (4, Decimal("-2.5"), 0.04)] == ["+4,0", "-2,5", "+0,0"]
        assert i18n.format_signed(-30, 0) == "-30"


def test_a_registrys_evidence_note_reads_in_the_readers_language():
    """Notes under a registry's evidence were English f-strings; they keep their values now and are
    worded when shown. An older note (already worded) is shown as stored."""
    evidence = {"note": EVIDENCE_NOTES[0], "note_values": {"number": "TC-84A-9999"}}
    assert evidence_note(evidence) == "No row for TC-84A-9999."
    assert spanish(evidence_note, evidence) == "No hay ninguna fila de TC-84A-9999."
    assert spanish(evidence_note, {"note": "Sequence 0000 is never issued."}) == "La secuencia 0000 nunca se emite."
    assert spanish(evidence_note, {"note": "No row for K999999."}) == "No row for K999999."


def test_an_import_refusal_reads_in_the_language_of_who_started_the_import():
    """The request import's organisation refusals were English f-strings; an import runs in its
    starter's language (imports.steps), so they read in Spanish for a Spanish vetter."""
    from marketplace.domain.organisations import import_target
    from tests.domain.test_organisations import KNOWN

    close = spanish(lambda: import_target("St Vincents Medical Centre", KNOWN).refused)
    assert close.startswith("«St Vincents Medical Centre» se parece a “Saint Vincent Medical Center”")
    unverified = spanish(lambda: import_target("Harbor Gen. Hosp.", KNOWN).refused)
    assert unverified.startswith("«Harbor Gen. Hosp.» es el nombre de una cuenta que se registró por su cuenta")
