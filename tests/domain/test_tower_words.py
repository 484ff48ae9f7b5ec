"""The control tower's words in the reader's language (issue 13): the reference prices' labels are
all in the catalogue, and durations, labels and why an offer does not fit are worded in Spanish
for a Spanish reader and as before in English. Pure: the catalogue is compiled into the tree as
the app does at start."""
from __future__ import annotations

from decimal import Decimal

import pytest

from marketplace.domain import i18n, messages, registries
from marketplace.domain.allocation import Need, Offer, unfit_reason
from marketplace.domain.dashboard import duration_words, price_band, signal_rows
from marketplace.domain.reference import REFERENCE_PRICE_LABELS, REFERENCE_TEXTS, reference_json


@pytest.fixture(autouse=True, scope="module")
def _catalogues():
    i18n.compile_catalogues()


def test_every_reference_price_label_is_in_the_catalogue():
    labels = {entry["label"] for entry in reference_json()["reference_prices"].values()}
    assert labels <= set(REFERENCE_PRICE_LABELS), sorted(labels - set(REFERENCE_PRICE_LABELS))


def test_every_text_of_the_reference_data_people_read_is_in_the_catalogue():
    data = reference_json()
    texts = {band["text"] for band in data["price_bands"]} | {data["price_too_low"]["text"]}
    texts |= {rule["expect"] for rule in data["certifications"].values()}
    texts |= {scheme["label"] for scheme in data["certification_schemes"].values() if scheme.get("label")}
    texts |= set(data["fda_product_codes"].values())
    assert texts <= set(REFERENCE_TEXTS), sorted(texts - set(REFERENCE_TEXTS))


def test_a_staff_price_signal_and_registry_evidence_read_in_spanish():
    band = next(b for b in reference_json()["price_bands"] if "10x" in b["text"])
    signal = {"code": band["code"], "params": {"unit_price": "9.00", "ratio": 11.25, "reference_price": "0.80",
                                               "category": "n95_respirator", "code": band["code"]}}
    with i18n.use_locale("es"):
        text = messages.render_signal(signal, "staff")
        assert "más de 10 veces la referencia" in text and "respiradores N95" in text, text
        assert registries.shown(registries.TITLES["watchlist"]).startswith("avisos de los CDC/NIOSH")
        assert registries.shown("removed on") == "retirado el" and registries.shown("3M") == "3M"
    with i18n.use_locale("en"):
        assert "more than 10x the reference" in messages.render_signal(signal, "staff")


def test_durations_and_the_public_board_are_worded_for_the_reader():
    with i18n.use_locale("en"):
        assert [duration_words(s) for s in (None, 600, 7200, 3 * 86400)] == ["—", "10 min", "2.0 h", "3.0 days"]
        assert price_band("n95_respirator").label == "N95 respirators"
    with i18n.use_locale("es"):
        assert [duration_words(s) for s in (600, 7200, 3 * 86400)] == ["10 min", "2,0 h", "3,0 días"]
        assert price_band("n95_respirator").label == "respiradores N95"
        cells = signal_rows({})[0].cells
        assert [c.label for c in cells] == ["en 7 días (o vencidas)", "en 8 a 28 días", "más adelante"]


def _pair(**need):
    offer = Offer(id=1, category="nitrile_gloves", quantity=100, unit_price=Decimal("0.10"), postal_code="90012",
                  lead_time_days=3)
    return offer, Need(id=2, category="n95_respirator", quantity=100, max_unit_price=Decimal("1.50"),
                       postal_code="90012", days_until_needed=10, days_of_supply=5,
                       substitutes=frozenset({"kn95_respirator"}), **need)


def test_why_an_offer_does_not_fit_is_worded_for_the_reader():
    offer, need = _pair()
    with i18n.use_locale("en"):
        assert unfit_reason(offer, need) == ("wrong product: Nitrile gloves, the buyer asked for N95 respirator or "
                                             "KN95 respirator")
    with i18n.use_locale("es"):
        assert unfit_reason(offer, need).startswith("producto equivocado: ")
        assert " o " in unfit_reason(offer, need) and "buyer asked" not in unfit_reason(offer, need)
