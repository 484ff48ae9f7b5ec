"""Spanish agreement (branch wording): no Spanish sentence makes a word agree with a value put into it.

A product's name ("Guantes de nitrilo", masculine plural; "Bata de aislamiento", feminine singular;
"Respirador N95", masculine singular) or a status ("se pidió información") can be any of the list's,
so a participle, adjective, article or verb beside it is right for some values and wrong for the
others: "Su oferta #12: 1.000 × Guantes de nitrilo propuestas a un comprador". The sentences agree
with a fixed noun instead ("Propuesta a un comprador: 1.000 guantes de nitrilo de su oferta #12"),
or put the value in «» after a noun ("en estado «se pidió información»", "la categoría «...»").
Each such sentence is rendered here for every value of its list, and the catalogue is read for any
new sentence that glues a word to a product's name. docs/decisions.md: "Offer or lead: one word per
reader; Spanish that agrees"."""
from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from marketplace.domain import i18n
from marketplace.domain.catalog import PRODUCT_CATEGORIES, label, units_of
from marketplace.domain.lead_status import LEAD_STATUSES, TransitionError, transition
from marketplace.domain.match_status import MATCH_STATUSES
from marketplace.domain.messages import SUPPLIER, fact, render_email, render_notification, render_signal
from tests.domain.test_translations import SPANISH

_K510 = {"number": "K202354", "device": "Surgical Face Mask", "product_code": "FXX", "applicant": "Acme",
         "decision_date": "2020-08-01"}


def in_spanish(function, *args):
    with i18n.use_locale("es"):
        return function(*args)


def spanish_label(choices, code: str) -> str:
    return in_spanish(label, choices, code)


CATEGORIES = [code for code, _text in PRODUCT_CATEGORIES]


def test_the_given_example_and_a_feminine_product_read_right():
    """The tester's example: a supplier read "Guantes de nitrilo propuestas"; the second example of
    the kind is a feminine product, which the old sentence happened to get right."""
    for code, product in (("nitrile_gloves", "guantes de nitrilo"), ("isolation_gown", "batas de aislamiento"),
                          ("surgical_mask", "mascarillas quirúrgicas")):
        proposed = fact("match_proposed", match_id=7, lead_id=12, demand_id=3, quantity=1000, category=code)
        text = in_spanish(render_notification, proposed, SUPPLIER)
        assert text == f"Propuesta a un comprador: 1.000 {product} de su oferta #12 (solicitud #3)"
        assert not re.search(re.escape(product) + r" propuest[oa]s?\b", text)
    assert spanish_label(PRODUCT_CATEGORIES, "nitrile_gloves") == "Guantes de nitrilo"  # masculine plural


@pytest.mark.parametrize("code", CATEGORIES)
def test_an_offer_proposed_to_a_buyer_reads_right_for_every_product(code):
    units = in_spanish(units_of, code, 1000)  # "1.000 guantes de nitrilo": tests/domain/test_units_of.py
    proposed = fact("match_proposed", match_id=7, lead_id=12, demand_id=3, quantity=1000, category=code)
    expected = f"Propuesta a un comprador: {units} de su oferta #12 (solicitud #3)"
    assert in_spanish(render_notification, proposed, SUPPLIER) == expected
    subject, body = in_spanish(render_email, proposed, SUPPLIER, "https://ppe.example/matches/7")
    assert subject == expected and body.startswith(expected + "\n")


@pytest.mark.parametrize("code", CATEGORIES)
def test_staff_signals_name_a_product_without_agreeing_with_it(code):
    """"no es guantes de nitrilo" and "Guantes de nitrilo debería venir" were wrong in number: the
    product is now named as a category, in «»."""
    product = spanish_label(PRODUCT_CATEGORIES, code)
    other = in_spanish(render_signal, {"code": "k510_other_product", "weight": -10,
                                       "params": {**_K510, "category": code}}, "vetter")
    assert other.endswith(f": no corresponde a la categoría «{product.lower()}».")
    missing = in_spanish(render_signal, {"code": "certification_missing", "weight": -10,
                                         "params": {"category": code}}, "vetter")
    assert missing.startswith(f"No se indica certificación; para la categoría «{product}» se espera ")


@pytest.mark.parametrize("supplier_type", ["distributor", "broker", "other", None])
def test_a_supplier_type_is_named_as_a_kind_of_supplier(supplier_type):
    """"de un broker" (the code) and "de un otro" (the label "Otro" after "un"): the type is now in
    brackets after a fixed noun, in the reader's language."""
    stored = {"code": "ready_millions", "weight": -20, "params": {"quantity": 5_000_000, "supplier_type": supplier_type}}
    spanish = in_spanish(render_signal, stored, "vetter")
    kind = {"distributor": "distribuidor", "broker": "intermediario", "other": "otro", None: "sin indicar"}[supplier_type]
    assert spanish == ("5.000.000 unidades 'listas para enviar' sin plazo de entrega, de un proveedor que no es el "
                       f"fabricante ({kind}).")
    english = {"distributor": "distributor", "broker": "broker", "other": "other", None: "not stated"}[supplier_type]
    assert render_signal(stored, "vetter").endswith(f"from a supplier that is not the manufacturer ({english}).")


# ---- statuses: every value of the list in every sentence that takes one ---------------------------

def _catalogue():
    with SPANISH.open("rb") as po:
        return [m for m in read_po(po, locale="es") if m.id and isinstance(m.id, str)]


def _lead_status_sentences():
    """The texts that put a lead's status (LEAD_STATUSES) into a sentence about the lead or offer."""
    return [m for m in _catalogue()
            if re.search(r"\b(lead|offer)\b", m.id, re.I) and re.search(r"\{status\}|%\(status\)s", m.id)]


def test_a_leads_status_is_named_in_quotes_for_every_status():
    """"La oferta #5 ahora está se pidió información": a status label is a participle ("aprobada"),
    a phrase ("en revisión") or a clause ("se pidió información"); after "en estado" in «» every one
    reads."""
    sentences = _lead_status_sentences()
    assert {m.id for m in sentences} >= {
        "Lead #{id} is {status}: there is nothing to claim.",
        "'{action}' is not possible for a lead that is {status}.",
        "'{action}' is not possible for an offer that is {status}.",
        "No decision is open to you on a lead that is %(status)s.",
        "This offer is %(status)s: there is no quote to confirm."}
    for message in sentences:
        assert re.search(r"en estado «(\{status\}|%\(status\)s)»", message.string), (message.id, message.string)
    asked = spanish_label(LEAD_STATUSES, "info_requested").lower()
    assert asked == "se pidió información"
    with i18n.use_locale("es"):
        assert i18n._("Lead #{id} is {status}: there is nothing to claim.").format(id=5, status=asked) == (
            "La oferta #5 está en estado «se pidió información»: no hay nada que tomar.")


@pytest.mark.parametrize("status", [code for code, _text in LEAD_STATUSES if code != "info_requested"])
def test_an_answer_refused_names_the_status_for_every_status(status):
    """The supplier's answer is refused unless a question waits: the supplier reads "offer", staff
    "lead" (the decision), and in Spanish the status reads in quotes whatever it is."""
    shown = spanish_label(LEAD_STATUSES, status).lower()
    with i18n.use_locale("es"), pytest.raises(TransitionError) as refused:
        transition("answer", status, "supplier", "3M, model 1860")
    assert str(refused.value) == f"«Enviar la respuesta» no es posible para una oferta en estado «{shown}»."
    with pytest.raises(TransitionError, match="^'Send answer' is not possible for an offer that is "):
        transition("answer", status, "supplier", "3M, model 1860")


@pytest.mark.parametrize("status", [code for code, _text in MATCH_STATUSES])
def test_a_match_status_agrees_with_propuesta_for_every_status(status):
    """A match is a "propuesta" (feminine singular): "ahora está aceptada". A status label is that
    singular (a badge on one match); the filters that count use their own words (context "count")."""
    shown = spanish_label(MATCH_STATUSES, status).lower()
    assert re.fullmatch(r"[a-záéíóúñ]+a", shown), shown
    told = fact("match_status", match_id=7, demand_id=3, quantity=1000, category="nitrile_gloves", status=status,
                reason=None, close_reason=None)
    assert in_spanish(render_notification, told, SUPPLIER) == (
        f"La propuesta #7 (1.000 guantes de nitrilo, solicitud #3) ahora está {shown}.")



def unagreed_statuses(string: str) -> list[str]:
    """The statuses of a Spanish text that are neither in «», nor on their own (a heading's "· aprobada ·",
    a state's "Completada, ..."), nor the status of "La propuesta ... está" (every match status agrees
    with it: the test above)."""
    found = []
    for value in re.findall(r"\{status(?:_text)?\}|%\(status\)s", string):
        quoted = f"«{value}»" in string
        alone = re.search(r"(^|· )" + re.escape(value) + r"( ·|,)", string)
        of_a_match = string.startswith("La propuesta") and f"está {value}" in string
        if not (quoted or alone or of_a_match):
            found.append(value)
    return found


def test_every_spanish_text_with_a_status_reads_for_every_status():
    assert {m.id: m.string for m in _catalogue() if unagreed_statuses(m.string)} == {}
    assert unagreed_statuses("Solo ofertas de %(product)s, %(status)s.") == ["%(status)s"]  # "ofertas ..., aceptada"
    assert unagreed_statuses("La oferta #{id} ahora está {status}.") == ["{status}"]

# ---- the catalogue: no word glued to a product's name ----------------------------------------------

# Values that hold a product's name (catalog.PRODUCT_CATEGORIES' label) wherever they are used, and
# those that do only in the domain's texts ({units} is "1.000 guantes de nitrilo" there, a number
# in the planning pages).
PRODUCT_VALUES = ("product", "category_label", "offer_category_label", "need_category_label")
PRODUCT_VALUES_IN_DOMAIN = ("units",)
DOMAIN_TEXTS = ("marketplace/domain/messages.py", "marketplace/domain/history.py")
# Words that never agree with the value beside them: prepositions (and the "×" of a quantity).
NEUTRAL_BEFORE = {"de", "para", "a", "por", "en", "con", "sobre", "×"}
NEUTRAL_AFTER = {"de", "para", "a", "por", "en", "con"}


def glued_words(text: str, names) -> list[str]:
    """The words directly before and after a value named in ``names`` that may agree with it (an
    article, adjective, participle or verb): anything but punctuation or a NEUTRAL word."""
    found = []
    for name in names:
        for value in (f"{{{name}}}", f"%({name})s"):
            for at in [m.start() for m in re.finditer(re.escape(value), text)]:
                before = re.search(r"([\w×]+)\s+$", text[:at])
                after = re.match(r"\s+(\w+)", text[at + len(value):])
                if before and before.group(1).lower() not in NEUTRAL_BEFORE:
                    found.append(f"{before.group(1)} {value}")
                if after and after.group(1).lower() not in NEUTRAL_AFTER:
                    found.append(f"{value} {after.group(1)}")
    return found


def test_no_spanish_text_glues_a_word_to_a_products_name():
    glued = {}
    for message in _catalogue():
        names = PRODUCT_VALUES + (PRODUCT_VALUES_IN_DOMAIN if any(f in DOMAIN_TEXTS for f, _ in message.locations)
                                  else ())
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings:
            if glued_words(string, names):
                glued[message.id] = glued_words(string, names)
    assert glued == {}


def test_the_glue_check_finds_the_examples():
    assert glued_words("Su oferta #{lead_id}: {units} propuestas a un comprador", ("units",)) == [
        "{units} propuestas"]
    assert glued_words("{clearance}: no es {product}.", PRODUCT_VALUES) == ["es {product}"]
    assert glued_words("No se indica certificación; {product} debería venir con {expected}.", PRODUCT_VALUES) == [
        "{product} debería"]
    assert glued_words("Solicitud publicada por {who}: {quantity} × {product}, se necesita", PRODUCT_VALUES) == []


def test_the_public_boards_verdict_beside_a_product_has_no_gender():
    """/signal puts "Short" or "Covered" in the row of a product: "Guantes de nitrilo · Cubierta"."""
    for message in _catalogue():
        if message.id in ("Short", "Covered", "Short?"):
            assert not re.search(r"(ad|id|iert|uest|ech)[oa]s?\b", message.string), message.string
