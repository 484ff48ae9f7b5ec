"""Display spoofing in what suppliers type (issue 10, item 5): names and URLs go through one rule."""
import pytest

from marketplace.domain.errors import FieldError
from marketplace.domain.leads import TextField, clean_text, clean_website

NAME = TextField("company_name", 200, required=True)


def test_a_name_with_a_right_to_left_override_is_refused():
    with pytest.raises(FieldError, match="text-direction"):
        clean_text("Acme Medical\u202eLLC", NAME)


@pytest.mark.parametrize("raw, clean", [("Ac\u200bme Medical", "Acme Medical"), ("\ufeffHarbor\u2060 Supply", "Harbor Supply")])
def test_zero_width_characters_are_removed_from_names(raw, clean):
    assert clean_text(raw, NAME) == clean


@pytest.mark.parametrize("url, opens", [
    ("https://acme.com@evil.example/", "evil.example"),            # the example
    ("http://sales:pw@harbor-supply.example/catalog", "harbor-supply.example"),
])
def test_a_website_with_user_info_is_refused_naming_where_it_goes(url, opens):
    with pytest.raises(FieldError, match=f"would open {opens}"):
        clean_website(url)


def test_an_at_sign_in_the_path_is_fine():
    assert clean_website("https://acme.example/team/@sales") == "https://acme.example/team/@sales"
