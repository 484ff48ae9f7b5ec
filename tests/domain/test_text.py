"""Display spoofing by invisible characters (issue 10, item 5)."""
import pytest

from marketplace.domain.errors import FieldError
from marketplace.domain.text import without_invisible


@pytest.mark.parametrize("text", [
    "Acme\u202egpj.exe",            # right-to-left override (the kind)
    "Acme \u2067Medical\u2069",     # right-to-left isolate
    "\u202aHarbor\u202c Supply",     # left-to-right embedding and pop
])
def test_text_direction_controls_are_refused_by_name(text):
    with pytest.raises(FieldError, match=r"text-direction character .*U\+20"):
        without_invisible(text)


@pytest.mark.parametrize("text, clean", [
    ("Ac\u200bme Medical", "Acme Medical"),          # zero-width space
    ("\ufeffHarbor Supply", "Harbor Supply"),         # byte-order mark pasted from a file
    ("Med\u2060Tech", "MedTech"),                     # word joiner
    ("Glove\u00adCo", "GloveCo"),                     # soft hyphen
    ("Acme\u200f Medical", "Acme Medical"),           # right-to-left mark
    ("\u200dAcme\u200c", "Acme"),                     # joiners at the edges join nothing
])
def test_invisible_characters_are_removed(text, clean):
    assert without_invisible(text) == clean


@pytest.mark.parametrize("text", [
    "می\u200cخواهم",              # Persian: the non-joiner between letters is spelling
    "क्\u200dष",                  # Devanagari half form
    "👩\u200d⚕️ Care",            # emoji sequence (health worker)
    "Harbor Industrial Distribution", "深圳市安华医疗器械有限公司",
])
def test_joiners_that_shape_letters_and_plain_text_are_kept(text):
    assert without_invisible(text) == text
