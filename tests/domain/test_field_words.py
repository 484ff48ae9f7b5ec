"""Field names, verdicts and sources that staff and suppliers read are words of the reader's language,
not the codes they are stored as (found by a walk through the Spanish pages: "Falta: street, city",
"company name ... same (+4.0)", "Enviada ... (form)")."""
from marketplace.domain import i18n
from marketplace.domain.catalog import LEAD_SOURCES, field_label, label
from marketplace.domain.dedup import EVIDENCE_WORDS, LEAD_MATCH_SPEC
from marketplace.domain.messages import render_signal


def test_a_missing_field_signal_names_the_fields_in_the_readers_words():
    signal = {"code": "incomplete", "weight": -8, "params": {"fields": ["contact_name", "street", "city"]}}
    assert render_signal(signal, "staff") == "Missing: contact, street, city."
    with i18n.use_locale("es"):
        assert render_signal(signal, "staff") == "Falta: contacto, calle, ciudad."
        assert field_label("postal_code") == "código postal"
        assert field_label("some_new_field") == "some new field"  # unknown: shown, never dropped


def test_every_comparison_field_and_verdict_of_a_pair_has_words_in_spanish():
    words = dict(EVIDENCE_WORDS)
    for comparison in LEAD_MATCH_SPEC.comparisons:
        assert comparison.label in words, comparison.label
        for level in comparison.levels:
            assert level.name in words, level.name
    with i18n.use_locale("es"):
        shown = {value: label(EVIDENCE_WORDS, value) for value in words}
        assert [v for v, text in shown.items() if text == v and v not in ("similar",)] == []
        assert label(LEAD_SOURCES, "form") == "formulario web"
