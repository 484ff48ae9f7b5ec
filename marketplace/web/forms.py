"""Form helpers shared by the blueprints."""
from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Mapping
from decimal import Decimal
from functools import lru_cache

import wtforms.widgets
from flask_babel import LazyString
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import BooleanField, HiddenField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import Choice, SelectChoice
from wtforms.validators import Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget, Select
from wtforms.widgets import core as wtforms_widgets
from wtforms.widgets.core import clean_key

from ..domain.errors import FieldError
from ..domain.facility import FACILITY_FIELDS, LICENCE_KINDS
from ..domain.i18n import N_, _, current_locale
from ..domain.numbers import write_number_for_reader
from ..domain.text import length_refusal, without_invisible
from .i18n import lazy_gettext as _l

CHOOSE = N_("Choose…")  # the empty first choice of a select (``choices(..., prompt=CHOOSE)``)


def html_params(**kwargs) -> Markup:
    """WTForms' ``html_params`` (the attributes of every field, label and option WTForms renders:
    ``name="x" required``), giving the same text about ten times faster: WTForms formats each
    attribute through ``Markup.format`` (Python's string.Formatter), which made it the largest
    cost of showing the lead form once its options were cached (issue 9, item 7). Same rules:
    sorted by name, ``class_`` -> ``class``, ``data_``/``aria_`` underscores -> hyphens, True
    writes the bare name, False leaves it out, values escaped (Markup and LazyString as markup,
    their double quotes as ``&quot;``), names escaped. Installed by ``install_html_params``."""
    params = []
    for key, value in sorted(kwargs.items()):
        name = escape(clean_key(key))
        if value is True:
            params.append(name)
        elif value is not False:
            params.append(f'{name}="{str(escape(value)).replace(chr(34), "&quot;")}"')
    return Markup(" ".join(params))


def install_html_params() -> None:
    """Make WTForms render attributes with ``html_params`` above (create_app calls it; idempotent):
    the widgets call wtforms.widgets.core's function, Label wtforms.widgets', inputs and buttons
    their class attribute. Checked against WTForms' own function for every kind of value
    (tests/web/test_request_cost.py), so a WTForms upgrade that changes its rules fails there."""
    wtforms.widgets.html_params = wtforms_widgets.html_params = html_params
    wtforms_widgets.Input.html_params = wtforms_widgets.Button.html_params = staticmethod(html_params)


def attach_errors(form: FlaskForm, errors: dict[str, str]) -> None:
    """Show domain validation messages beside their fields (or at the top for unknown fields)."""
    for name, message in errors.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + [message]
        else:
            form.form_errors.append(message)


class ChoiceLabel(LazyString):
    """A choice's label, translated when shown and escaped like any text (Flask-Babel's LazyString
    writes itself into HTML unescaped: a label such as "Côte d'Ivoire" must read as WTForms writes
    text, and no catalogue text is ever markup)."""

    def __html__(self) -> str:
        return str(escape(str(self)))


class Choices(tuple):
    """What ``choices()`` returns: a select's choices (``SelectChoice``), immutable, so that
    ``CachedSelect`` can keep their rendered ``<option>`` tags per language (``rendered``). Build a
    new one (``choices()``) rather than changing one; a plain list of choices renders uncached.
"""

    def __new__(cls, items):
        return super().__new__(cls, items)

    def __init__(self, _items):
        super().__init__()
        self._rendered: dict[str, tuple[tuple[str, str, Markup], ...] | None] = {}

    def rendered(self, locale: str) -> tuple[tuple[str, str, Markup], ...] | None:
        """Each choice as (value, label in ``locale``, its unselected ``<option>`` HTML), built the
        first time a page in ``locale`` shows them (the current language must be ``locale``);
        None when a choice is not a plain text value (a number, own ``render_kw``, an option
        group): such choices are rendered by WTForms each time."""
        if locale not in self._rendered:
            plain = all(isinstance(c.value, str) and not c.render_kw and c.optgroup is None for c in self)
            self._rendered[locale] = tuple(
                (c.value, str(c.label), _option_html(c.value, str(c.label), False)) for c in self) if plain else None
        return self._rendered[locale]


def choices(pairs, *, prompt: str | None = None) -> Choices:
    """A catalog's (value, label) pairs as WTForms choices, after an empty ``prompt`` choice (e.g.
    ``CHOOSE``) if given. Each label is shown in the reader's language: the catalogs' labels are
    marked with ``N_`` where they are defined, and translated here when the form is rendered (a
    label the catalogue does not hold, such as a lead number, reads as given); ``CachedSelect``
    translates and renders them once per language."""
    items = ([("", prompt)] if prompt else []) + list(pairs)
    return Choices(SelectChoice(value, ChoiceLabel(_, label) if isinstance(label, str) else label)
                   for value, label in items)


class CheckboxList(SelectMultipleField):
    """A multiple choice shown as a list of check boxes (rendered by templates/_forms.html field()
    with the "checkboxes" class: a label, then one box per choice)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


@lru_cache(maxsize=4096)  # bounded: a posted value that is no choice may be offered back as one
def _option_html(value: str, label: str, selected: bool) -> Markup:
    return Select.render_option(Choice(value=value, label=label, selected=selected, render_kw={}))


class CachedSelect(Select):
    """WTForms' ``Select`` widget with the same HTML, but the ``<option>`` tags are built once per
    process: a field whose choices come from ``choices()`` (a ``Choices``) takes them translated
    and rendered once per language, and marks the selected one; any other option (value, label,
    selected) is rendered once and kept. The lead form's two country lists are about 500 options,
    which WTForms' ``html_params`` and markupsafe formatting, then translating every label on each
    request, made the largest cost of showing the form (issue 9, item 7). Options with their own
    ``render_kw``, option groups and multiple selects are rendered by WTForms itself."""

    def __call__(self, field, **kwargs):
        rendered = (field.choices.rendered(current_locale())
                    if isinstance(field.choices, Choices) and field.coerce is str and not self.multiple else None)
        if rendered is None and (self.multiple or field.has_groups()):
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        flags = getattr(field, "flags", {})
        for k in dir(flags):
            if k in self.validation_attrs and k not in kwargs:
                kwargs[k] = getattr(flags, k)
        html = [f"<select {html_params(name=field.name, **kwargs)}>"]
        if rendered is not None:
            data = field.data
            for value, label, option in rendered:
                html.append(_option_html(value, label, True) if value == data else option)
        else:
            for choice in field.iter_choices():
                value = choice.value
                label = str(choice.label) if isinstance(choice.label, LazyString) else choice.label  # translated now
                if choice.render_kw or not isinstance(value, str) or not isinstance(label, str):
                    html.append(self.render_option(choice))
                else:
                    html.append(_option_html(value, label, bool(choice.selected)))
        html.append("</select>")
        return Markup("".join(html))


class CachedSelectField(SelectField):
    """WTForms' ``SelectField`` shown by ``CachedSelect``, keeping its ``choices`` as given: WTForms
    copies a field's choices into a new list for every form built, which would lose a shared
    ``Choices`` (and its options rendered once per language) and scan every choice again."""

    def __init__(self, label=None, validators=None, choices=None, **kwargs):
        kwargs.setdefault("widget", CachedSelect())
        super().__init__(label, validators, choices=None, **kwargs)
        self.choices = choices  # the setter keeps it as it is


_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")


class NumberField(StringField):
    """A number a person types (read by domain.numbers when the form is validated). A stored value
    the form is filled with (``data=``: a Decimal, an int, or plain text as domain.numbers'
    ``write_number`` writes it, "0.79") is shown in the reader's notation ("0,79" in Spanish), so
    that submitting it unchanged reads the same value; what a person posted is shown as typed."""

    def process_data(self, value) -> None:
        if isinstance(value, str) and _PLAIN_NUMBER.fullmatch(value.strip()):
            value = Decimal(value.strip())
        if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
            value = write_number_for_reader(value)
        super().process_data(value)

    def unchanged_from(self, stored: str) -> bool:
        """Whether the posted text is ``stored`` (plain text as ``write_number`` writes it) as this
        field showed it, or as written there: the person left the figure as it was."""
        posted = (self.data or "").strip()
        if posted == stored:
            return True
        return bool(_PLAIN_NUMBER.fullmatch(stored)) and posted == write_number_for_reader(Decimal(stored))


MAX_PAGE = 100_000


def page_number(value: str) -> int:
    """The ``?page=`` argument (``request.args.get("page", 1, type=page_number)``): from 1 to
    MAX_PAGE, so that a huge number is an empty page, not an OFFSET overflow in the database."""
    return min(max(int(value), 1), MAX_PAGE)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class MaxLength(Length):
    """The longest free text a field takes (domain.text: REASON_MAX_LENGTH, MESSAGE_MAX_LENGTH),
    refused with the domain's message beside the field ("At most 1000 characters (this has
    3000)."): the same words as the lead form's and the use cases' check. As WTForms' Length, the
    box gets ``maxlength``."""

    def __init__(self, maximum: int) -> None:
        super().__init__(max=maximum)

    def __call__(self, form, field) -> None:
        if refusal := length_refusal(field.data if isinstance(field.data, str) else None, self.max):
            raise ValidationError(refusal)


def no_control_characters(form, field) -> None:
    """A WTForms validator for one-line text: NUL and other control characters are refused here
    (PostgreSQL cannot even store NUL; as a query parameter it is a database error), and invisible
    characters follow domain.text: text-direction controls are refused, zero-width ones removed."""
    if field.data and _CONTROL.search(field.data):
        raise ValidationError(_("Contains a control character; please remove it."))
    if field.data:
        try:
            field.data = without_invisible(field.data)
        except FieldError as exc:
            raise ValidationError(str(exc)) from None


class ConfirmFigures:
    """A form mixin: figures far outside the reference are saved only once the person has seen the
    warning about exactly those figures and ticked the box (issue 8, item 10; tester item 3).

    When warnings are shown, the hidden ``confirmed_figures`` carries a digest of the warned
    figures (each warned field's value and the warning's text); a ticked box counts only if the
    figures posted with it give the same digest, so changing the price after the warning (or
    ticking the box unasked) warns again. ``hidden_tag()`` renders the hidden field."""

    confirm_figures = BooleanField(_l("The figures marked above are right: save them as they are"))
    # Hidden fields get an empty label: WTForms would otherwise translate a label made from the
    # name, and Flask-WTF loads WTForms' catalogue from disk for it on every request (issue 9 item 7).
    confirmed_figures = HiddenField("")
    # Set when the form is shown again with a warning beside each figure and the confirm box.
    asks_confirmation: bool = False

    def figures_confirmed(self, warnings: Mapping[str, str], values: Mapping) -> bool:
        """True when ``warnings`` ({field: message}) is empty or was confirmed for these very
        ``values`` (the clean values); otherwise attach the warnings beside their fields, arm the
        hidden digest, clear the box and return False."""
        return self.confirmed_or_asked(
            warnings, unconfirmed_figures(warnings, values, self.confirm_figures.data, self.confirmed_figures.data))

    def confirmed_or_asked(self, warnings: Mapping[str, str], digest: str | None) -> bool:
        """``figures_confirmed`` with ``unconfirmed_figures``' answer already known: True when
        ``digest`` is None (nothing left to confirm); otherwise ask for the confirmation of
        ``warnings`` with ``digest`` and return False."""
        if digest is None:
            return True
        changed = bool(self.confirm_figures.data and self.confirmed_figures.data)
        self.asks_confirmation = True
        self.confirmed_figures.data = digest
        self.confirm_figures.data = False
        attach_errors(self, dict(warnings))
        self.form_errors.append(
            _("The figures marked below are not the ones you confirmed. Please check the figures marked below. "
              "If they are right, tick the box at the end of the form and submit again.") if changed else
            _("Please check the figures marked below. If they are right, tick the box at the end of the form "
              "and submit again."))
        return False


def posted_confirmation(data: Mapping[str, str]) -> tuple[bool, str | None]:
    """ConfirmFigures' two fields read from posted ``data`` as the form reads them, for a check
    that does not build the form (the lead form's fast path, the API): whether the box is ticked
    (as WTForms' BooleanField reads it: absent or one of its false values is not), and the digest
    it confirms."""
    return data.get("confirm_figures", "") not in BooleanField.false_values, data.get("confirmed_figures")


def unconfirmed_figures(warnings: Mapping[str, str], values: Mapping, confirm: bool, confirmed: str | None
                        ) -> str | None:
    """ConfirmFigures' rule, for the forms and the API alike: None when there are no ``warnings``
    ({field: message}) or ``confirm`` was given with ``confirmed`` the digest of these very warnings
    and ``values`` (the clean values); otherwise the digest (figures_digest) to confirm them with."""
    if not warnings:
        return None
    digest = figures_digest(warnings, values)
    return None if confirm and confirmed == digest else digest


def figures_digest(warnings: Mapping[str, str], values: Mapping) -> str:
    """A short digest of the warned fields' values and the warnings' text (not a secret: it only
    binds a person's own confirmation to what they were shown)."""
    shown = sorted((name, str(values.get(name)), message) for name, message in warnings.items())
    return hashlib.sha256(json.dumps(shown).encode()).hexdigest()[:32]


# --- One-time submissions (issue 10, item 10) --------------------------------------------------

_SUBMISSION_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def new_submission_token() -> str:
    return secrets.token_urlsafe(24)  # 32 characters, 192 random bits


def submission_token_ok(token: str | None) -> bool:
    """Whether a posted ``submission_token`` is one a form could have carried."""
    return bool(_SUBMISSION_TOKEN.fullmatch(token or ""))


def submission_token_of(posted: str | None) -> tuple[str, bool]:
    """The submission token a form carries for the ``posted`` one, and whether the POST may go on:
    none posted (the page is shown, or an old page posted none) is a new token; a well-formed one
    is kept; a malformed one is refused, and the form shown again carries a new one. For
    OneTimeSubmission and for a check that does not build the form (the lead form's fast path)."""
    if not posted:
        return new_submission_token(), True
    if submission_token_ok(posted):
        return posted, True
    return new_submission_token(), False


class OneTimeSubmission:
    """A form mixin for forms that create a record: a hidden ``submission_token``, random, made
    when the form is built without one (the page is shown, or an old page posted none), and kept
    when the form is shown again with messages. The view hands it to ``web.once`` so that a POST
    retried with the same token returns the first result instead of storing the record again.
    ``hidden_tag()`` renders it; its name is part of the contract with scripted clients (bench/)."""

    submission_token = HiddenField("")  # no label to translate (see ConfirmFigures)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A refused token is replaced at once: the page shown again carries a good one.
        self.submission_token.data, self._submission_token_ok = submission_token_of(self.submission_token.data)

    def validate_submission_token(self, field) -> None:
        if not self._submission_token_ok:
            self.form_errors.append(_("This form is out of date. Please check it and send it again."))
            raise ValidationError(_("not a submission token"))


class FacilityFields:
    """A buyer facility's fields (issue 11, item 8), for a form that creates a buyer organisation
    (registration, naming one after a refused join). Checked by domain.facility.parse_facility."""

    street = StringField(_l("Street address"), render_kw={"autocomplete": "street-address"})
    city = StringField(_l("City"), render_kw={"autocomplete": "address-level2"})
    state = StringField(_l("State"), render_kw={"autocomplete": "address-level1"})
    postal_code = StringField(_l("ZIP code"), render_kw={"autocomplete": "postal-code"})
    phone = StringField(_l("Facility phone"), description=_l("With area code, for example (213) 555-0134."),
                        render_kw={"autocomplete": "tel"})
    licence_kind = SelectField(_l("Licence or registry"), choices=choices(LICENCE_KINDS, prompt=CHOOSE))
    licence_number = StringField(_l("Licence or registry number"),
                                 description=_l("The facility's NPI (10 digits) or its state facility licence "
                                                "number; city staff check it before verifying your organisation."))
    delivery_hours = StringField(_l("Delivery hours (optional)"),
                                 description=_l("For example: Mon–Fri 7am–3pm, dock B."))
    delivery_contact = StringField(_l("Delivery contact (optional)"),
                                   description=_l("Who receives deliveries, for example: Receiving, Jane Doe."))

    def facility_data(self) -> dict[str, str | None]:
        """{field: text as typed} for domain.facility.parse_facility."""
        return {name: getattr(self, name).data for name in FACILITY_FIELDS}
