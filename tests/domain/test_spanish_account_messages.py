"""The domain's account messages in the reader's language (issue 13): the password policy (with
zxcvbn's feedback, which zxcvbn words in English only), invisible characters, NPI and API token names."""
import io
from pathlib import Path

import pytest
import zxcvbn.feedback
from babel.messages.extract import extract_python

from marketplace.domain import i18n
from marketplace.domain.api_tokens import token_name
from marketplace.domain.errors import FieldError
from marketplace.domain.facility import clean_npi
from marketplace.domain.passwords import ZXCVBN_FEEDBACK, password_problem
from marketplace.domain.text import without_invisible


@pytest.fixture(autouse=True, scope="module")
def _compiled():
    i18n.compile_catalogues()  # as the app does when it starts


def test_every_sentence_of_zxcvbns_feedback_is_listed_for_the_catalogue():
    source = Path(zxcvbn.feedback.__file__).read_bytes()
    worded = {message for _line, _function, message, _comments in
              extract_python(io.BytesIO(source), ["_"], [], {})}
    assert worded and worded == set(ZXCVBN_FEEDBACK)


def test_password_problems_are_in_the_readers_language():
    with i18n.use_locale("en"):
        assert password_problem("short") == "Use at least 10 characters (a few words make a good password)."
        assert password_problem("passwordpassword").startswith('Repeats like "abcabcabc"')
    with i18n.use_locale("es"):
        assert password_problem("short") == "Use al menos 10 caracteres (unas cuantas palabras hacen una buena contraseña)."
        assert password_problem("passwordpassword") == (
            'Las repeticiones como "abcabcabc" son apenas más difíciles de adivinar que "abc". '
            "Agregue una o dos palabras más. Mejor si son poco comunes. Evite palabras y caracteres repetidos.")
        assert password_problem("ana@clinica.example", email="ana@clinica.example") == \
            "No use su correo electrónico como contraseña."


def test_field_messages_are_in_the_readers_language():
    with i18n.use_locale("es"):
        with pytest.raises(FieldError, match=r"^Contiene un carácter invisible de dirección del texto "
                                             r"\(Right-To-Left Override, U\+202E\)"):
            without_invisible("Acme\u202egpj.exe")
        with pytest.raises(FieldError, match="^El NPI tiene 10 dígitos"):
            clean_npi("12345")
        with pytest.raises(FieldError, match="^Como máximo 80 caracteres.$"):
            token_name("x" * 81)
        assert token_name("") == "Token de API"
    assert token_name("") == "API token"
