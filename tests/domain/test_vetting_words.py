"""The vetting rules' words in the reader's language (issue 13): the four-eyes reason with its
money written the language's way, the refusals of a decision, and an import's file refusals.
English stays as it was."""
from __future__ import annotations

from decimal import Decimal

import pytest

from marketplace.domain import i18n
from marketplace.domain.csv_text import FileRefused, decode_csv, encoding_choices
from marketplace.domain.four_eyes import FourEyes
from marketplace.domain.imports import too_many_rows
from marketplace.domain.lead_status import ACTIONS, TextNeeded, TransitionError, transition


def test_the_four_eyes_reason_in_each_language():
    both = FourEyes(Decimal("395000"), Decimal("100000"), ("watchlist",))
    assert both.reason() == "its value $395,000.00 is above $100,000 and it has a stop signal (On the counterfeit watch list)"
    with i18n.use_locale("es"):
        assert both.reason() == "su valor de 395.000,00\u00a0US$ supera 100.000\u00a0US$ y tiene una señal de alto (En la lista de vigilancia de falsificaciones)"
        assert FourEyes(Decimal("1"), Decimal("100000"), ("watchlist",)).reason() == \
            "tiene una señal de alto (En la lista de vigilancia de falsificaciones)"
        assert FourEyes(Decimal("1"), Decimal("100000"), ()).reason() == ""
        # The walk's example: two stop signals, each by its label (a code without one stays a code).
        assert FourEyes(Decimal("1"), Decimal("100000"), ("broker_terms", "price_10x")).reason() == \
            "tiene una señal de alto ({}, {})".format(i18n._("Broker-chain wording"), i18n._("Price over 10x reference"))
        assert "broker_terms" not in FourEyes(Decimal("1"), Decimal("100000"), ("broker_terms",)).reason()
        assert FourEyes(Decimal("1"), Decimal("100000"), ("new_code",)).reason() == "tiene una señal de alto (new_code)"


@pytest.mark.parametrize("action, english, spanish", [
    ("reject", "Please give a reason.", "Indique un motivo."),
    ("request_info", "Please give a question.", "Escriba una pregunta."),
    ("escalate", "Please give a note.", "Escriba una nota."),
])
def test_a_decision_without_its_text_is_refused_in_the_language(action, english, spanish):
    with pytest.raises(TextNeeded, match=english):
        transition(action, "submitted", "vetter", "")
    with i18n.use_locale("es"), pytest.raises(TextNeeded, match=spanish):
        transition(action, "submitted", "vetter", " ")
    # The keyboard shortcut's hint in the text box is the same sentence (Action.text_needed).
    assert ACTIONS[action].text_needed == english
    with i18n.use_locale("es"):
        assert ACTIONS[action].text_needed == spanish
    assert ACTIONS["approve"].text_needed is None


def test_a_decision_not_for_the_role_names_the_action_in_the_language():
    with pytest.raises(TransitionError, match="'Reopen' is not for your role."):
        transition("reopen", "approved", "vetter")
    with i18n.use_locale("es"), pytest.raises(TransitionError, match="«Reabrir» no corresponde a su rol."):
        transition("reopen", "approved", "vetter")


def test_an_import_file_is_refused_in_the_language():
    assert too_many_rows(100_001).startswith("the file has 100,001 rows; at most 100,000 rows")
    with i18n.use_locale("es"):
        assert too_many_rows(100_001).startswith("el archivo tiene 100.001 filas; se importan como máximo 100.000")
        with pytest.raises(FileRefused, match=r"no es un archivo de texto CSV \(contiene bytes NUL\)"):
            decode_csv(b"a,b\x00")
        with pytest.raises(FileRefused, match="codificación desconocida «klingon»"):
            decode_csv("Médica".encode("cp1252"), "klingon")
        assert encoding_choices()[0] == ("", "UTF-8 (lo habitual; se detecta)")
    assert encoding_choices()[0] == ("", "UTF-8 (the usual; detected)")
