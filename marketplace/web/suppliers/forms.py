from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache

from flask_babel import LazyString
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.datastructures import MultiDict
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from ...domain.catalog import PRODUCT_CATEGORIES, SUPPLIER_TYPES
from ...domain.certifications import certification_hint
from ...domain.countries import DEFAULT_COUNTRY, code_as_typed, country_choices, try_country_code
from ...domain.i18n import _, current_locale, format_locale
from ...domain.leads import LEAD_COLUMNS, LeadFacts, parse_lead
from ...domain.quotes import DEFAULT_VALIDITY_DAYS, REMIND_DAYS_BEFORE, default_valid_until
from ...domain.scoring import figures_to_confirm
from ...domain.text import MESSAGE_MAX_LENGTH
from ...services.leads import today
from ..forms import (
    CachedSelectField,
    ConfirmFigures,
    MaxLength,
    NumberField,
    OneTimeSubmission,
    attach_errors,
    choices,
    posted_confirmation,
    submission_token_of,
    unconfirmed_figures,
)
from ..i18n import lazy_gettext as _l

# The countries' codes for look-ups (the same in every language).
_COUNTRY_CODES = frozenset(code for code, _name in country_choices())


@lru_cache(maxsize=8)
def _country_choices_in(locale: str, format_locale: str) -> list:
    return choices(country_choices(), prompt=_l("Choose…"))


def _country_choices() -> list:
    """The ~250 countries as choices, named and ordered in the reader's language; built once per
    language (domain.countries.country_choices)."""
    return _country_choices_in(current_locale(), format_locale())


def country_field(label: str, **kwargs) -> CachedSelectField:
    """A choice of every country by name (stored as its ISO code), the United States first."""
    return CachedSelectField(label, choices=_country_choices, validate_choice=False, **kwargs)


def _named_country(value: str | None) -> str | None:
    """The code of the country an older free-text value names ('Mexico' -> MX); None when the
    value is empty, already a code, or names no country."""
    value = (value or "").strip()
    if not value or value in _COUNTRY_CODES:
        return None
    return try_country_code(value)


def show_country(field: SelectField) -> None:
    """Select what a stored or posted country is read as: an older free-text value ('Mexico')
    selects its country (MX); one that names no country is offered as typed, so that it is seen
    (saving it gives the country's message beside the field) and never replaced unseen."""
    value = (field.data or "").strip()
    if not value or value in _COUNTRY_CODES:
        return
    code = _named_country(value)
    if code:
        field.data = code
    else:
        field.choices = [*field.choices, SelectChoice(value, _("{value} (not a country: choose one)").format(value=value))]

class LeadForm(OneTimeSubmission, ConfirmFigures, FlaskForm):
    """Every field of the lead format. All checks are the domain's (parse_lead), so the form, the
    CSV import and the API accept and refuse exactly the same things."""

    company_name = StringField(_l("Company name"), render_kw={"required": True, "autocomplete": "organization"})
    contact_name = StringField(_l("Contact person"), render_kw={"autocomplete": "name"})
    email = StringField(_l("E-mail"), render_kw={"type": "email", "required": True, "autocomplete": "email"})
    phone = StringField(_l("Phone"), render_kw={"type": "tel", "autocomplete": "tel"},
                        description=_l("Read with the country of your address (below), or give + and the country "
                                       "code, e.g. +44 20 7946 0018."))
    website = StringField(_l("Website"), render_kw={"inputmode": "url", "placeholder": "example.com"})
    street = StringField(_l("Street address"), render_kw={"autocomplete": "street-address"})
    city = StringField(_l("City"))
    state = StringField(_l("State / region"))
    postal_code = StringField(_l("Postal code"), render_kw={"autocomplete": "postal-code"},
                              description=_l("Codes that lost a leading zero are read with it: 2446 is 02446 in the "
                                             "US, 6600 is 06600 in Mexico."))
    country = country_field(_l("Country"), default=DEFAULT_COUNTRY, render_kw={"autocomplete": "country"})
    supplier_type = CachedSelectField(_l("You are a"), choices=choices(SUPPLIER_TYPES, prompt=_l("Choose…")),
                                      validate_choice=False)
    product_category = CachedSelectField(_l("Product"), choices=choices(PRODUCT_CATEGORIES, prompt=_l("Choose…")),
                                         validate_choice=False)
    product_description = TextAreaField(_l("Product description"),
                                        description=_l("Brand, model, size, packaging."))
    quantity = StringField(_l("Quantity available (units)"), render_kw={"inputmode": "numeric", "required": True},
                           description=_l("Or the number of packs, if you give units per pack."))
    unit_price = NumberField(_l("Unit price (USD)"), render_kw={"inputmode": "decimal", "required": True},
                             description=_l("Price per single unit, e.g. 0.79; or the price of one pack, if you give units "
                                            "per pack."))
    pack_size = StringField(_l("Units per pack"), render_kw={"inputmode": "numeric", "placeholder": "1"},
                            description=_l("Only if you quote per box, case or carton: e.g. 100 for a box of "
                                           "100 gloves. Then give the price of one box and the number of boxes; "
                                           "we show the price per unit."))
    min_order_qty = StringField(_l("Minimum order (units)"), render_kw={"inputmode": "numeric"},
                                description=_l("Or packs, if you give units per pack."))
    lead_time_days = StringField(_l("Lead time (days)"), render_kw={"inputmode": "numeric"},
                                 description=_l("Days from order to shipment; 0 if in stock."))
    # The hint comes from the scoring rules (reference_data.json), so it always passes them.
    certification = StringField(_l("Certification"), description=LazyString(certification_hint))
    payment_terms = StringField(_l("Payment terms"), description=_l("e.g. net 30, payment on delivery."))
    country_of_origin = country_field(_l("Country of origin"), description=_l("Where the goods were made."))
    notes = TextAreaField(_l("Notes"))
    valid_until = StringField(_l("Quote valid until"), render_kw={"placeholder": _l("YYYY-MM-DD")},
                              description=_l("The last day your price and quantity hold, e.g. 2027-01-21 or 21 Jan "
                                             "2027. Empty: %(days)s days from today. We ask you to confirm "
                                             "%(remind)s days before; a lapsed offer is not proposed to buyers.",
                                             days=DEFAULT_VALIDITY_DAYS, remind=REMIND_DAYS_BEFORE))

    clean: LeadFacts | None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        show_country(self.country)
        show_country(self.country_of_origin)

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):  # CSRF; the submission token (OneTimeSubmission)
            return False
        check = check_lead({name: getattr(self, name).data for name in LEAD_FIELDS},
                           self.confirm_figures.data, self.confirmed_figures.data, today())
        self.clean = check.clean
        attach_errors(self, check.errors)
        if check.errors:
            return False
        # Figures far outside the reference are saved only once confirmed as shown (ConfirmFigures).
        return self.confirmed_or_asked(check.warnings, check.to_confirm)


# The lead form's fields: every column of the lead format but the city's external_id.
LEAD_FIELDS = tuple(name for name in LEAD_COLUMNS if name != "external_id")


def posted_lead_fields(data: MultiDict) -> dict[str, str | None]:
    """The LEAD_FIELDS as LeadForm reads them from posted ``data``: the first value of each (None
    when absent), a missing country the form's default (DEFAULT_COUNTRY). For the API, which checks
    a JSON body (as form data, web.api.support.as_formdata) without building the form."""
    fields = {name: data.get(name) for name in LEAD_FIELDS}
    if "country" not in data:
        fields["country"] = DEFAULT_COUNTRY
    return fields


def accepted_lead_post(data: MultiDict, day: date) -> tuple[str, LeadFacts] | None:
    """LeadForm's decision on a POST, taken on the posted ``data`` without building the form
    (issue 9 item 7: binding its 27 fields cost about as much as the checks): (submission token,
    facts) when the form would accept the POST as it is, None otherwise (the view then builds the
    form, which shows why). The rules are the form's own functions: the token by
    ``submission_token_of`` (OneTimeSubmission), the fields and figures by ``check_lead`` on
    the data read as the form reads it (``check_posted_lead``). CSRF is not checked here:
    CSRFProtect checks every POST before the view (the form's own check repeats it)."""
    token, token_ok = submission_token_of(data.get("submission_token"))
    if not token_ok:
        return None
    check = check_posted_lead(data, day)
    return (token, check.clean) if check.accepted else None


@dataclass(frozen=True)
class LeadCheck:
    """A lead's fields and figure confirmation, checked (``check_lead``)."""

    clean: LeadFacts | None       # the facts to store; None when a field is refused
    errors: dict[str, str]        # {field: message} beside the refused fields
    warnings: dict[str, str]      # {field: message}: figures far outside the reference
    to_confirm: str | None        # the digest to confirm ``warnings`` with; None: nothing left to confirm

    @property
    def accepted(self) -> bool:
        return not self.errors and self.to_confirm is None


def check_lead(raw: Mapping[str, str | None], confirm: bool, confirmed: str | None, day: date) -> LeadCheck:
    """The lead's checks of a submission, in one place for LeadForm, its fast path
    (accepted_lead_post) and the API: its fields (``check_lead_fields``), then whether figures far
    outside the reference still need confirming (ConfirmFigures' rule, ``unconfirmed_figures``:
    ``confirm`` the ticked box, ``confirmed`` the digest it confirms)."""
    clean, errors, warnings = check_lead_fields(raw, day)
    if errors:
        return LeadCheck(None, errors, {}, None)
    return LeadCheck(clean, {}, warnings, unconfirmed_figures(warnings, clean, confirm, confirmed))


def check_posted_lead(data: Mapping[str, str], day: date) -> LeadCheck:
    """``check_lead`` on posted ``data`` read as LeadForm reads it (``posted_lead_fields``,
    ``posted_confirmation``), for the checks that do not build the form: its fast path, the API.
    (An older free-text country, which the form shows as its country, is read by the same
    ``check_lead_fields`` to the same code.)"""
    return check_lead(posted_lead_fields(data), *posted_confirmation(data), day)


def check_lead_fields(raw: Mapping[str, str | None], day: date
                      ) -> tuple[LeadFacts | None, dict[str, str], dict[str, str]]:
    """The lead form's checks of its fields' text (LEAD_FIELDS; a value of a country list is read
    as the code it is, not as typed text), all of them domain.leads.parse_lead's, with ``day`` the
    city's today. Returns (facts, {}, warnings): the quote dated from ``day`` when no
    ``valid_until`` was given, and the figures far outside the reference that must be confirmed
    ({field: message}, scoring.figures_to_confirm; ConfirmFigures); or (None, {field: message}, {})."""
    raw = dict(raw)
    for name in ("country", "country_of_origin"):  # a choice from the list is a code, not typed text
        if raw.get(name) in _COUNTRY_CODES:
            raw[name] = code_as_typed(raw[name])
    clean, errors = parse_lead(raw, day)
    if errors:
        return None, errors, {}
    if clean.valid_until is None:  # saving the offer dates its quote from today
        clean = replace(clean, valid_until=default_valid_until(day))
    return clean, {}, figures_to_confirm(clean)


class DocumentForm(OneTimeSubmission, FlaskForm):
    document = FileField(_l("Add a document (PDF, PNG or JPEG, up to 10 MB)"))


class AnswerForm(FlaskForm):
    answer = TextAreaField(_l("Your answer"), validators=[DataRequired(), MaxLength(MESSAGE_MAX_LENGTH)])


class QuoteForm(ConfirmFigures, FlaskForm):
    """Confirm a quote, optionally with a new quantity or price in the terms of the lead form (packs
    and the price of one pack when the offer is quoted per pack). The quantity is the stock NOW:
    units not yet delivered (services.quotes.available_now). New figures go through the lead form's
    own checks (``check_lead``: parse_lead with the lead's other fields, then figures far from the
    reference or over the price ceiling to confirm with the box, scoring.figures_to_confirm), so
    they pass exactly the form's and import's rules; ``clean`` then holds the lead's facts with them
    (None when the figures are posted unchanged: confirmed as they are, even if an older lead's
    other details would not pass today's rules)."""

    quantity = NumberField(_l("Quantity available now (not yet delivered)"),
                           render_kw={"inputmode": "numeric", "required": True},
                           description=_l("What you still have for this offer: units delivered to buyers are no "
                                          "longer counted; units proposed to or accepted by buyers and not delivered "
                                          "yet are."))
    unit_price = NumberField(_l("Price now (USD)"), render_kw={"inputmode": "decimal", "required": True})

    clean: LeadFacts | None = None

    def check(self, row: dict[str, str], today_: date) -> bool:
        """Validate the posted figures against ``row`` (the lead as the form would show it,
        domain.leads.lead_to_row, its quantity the units available now); errors go beside the two
        fields, others to the form; figures to confirm are asked for as on the lead form."""
        if not self.validate_on_submit():
            return False
        if self.quantity.unchanged_from(row["quantity"]) and self.unit_price.unchanged_from(row["unit_price"]):
            self.clean = None  # the figures as they are: a confirmation, whatever else the lead holds
            return True
        raw = {**row, "quantity": self.quantity.data or "", "unit_price": self.unit_price.data or "",
               "valid_until": ""}
        check = check_lead({name: raw.get(name) for name in LEAD_FIELDS}, self.confirm_figures.data,
                           self.confirmed_figures.data, today_)
        self.clean = check.clean
        errors = check.errors
        attach_errors(self, {name: message for name, message in errors.items() if name in ("quantity", "unit_price")})
        others = {name: message for name, message in errors.items() if name not in ("quantity", "unit_price")}
        if others:
            self.form_errors.append(
                _("The offer's other details no longer pass the checks ({problems}): ask city staff, or "
                  "withdraw it and submit a new one.").format(
                    problems="; ".join(f"{name}: {message}" for name, message in others.items())))
        if errors:
            return False
        return self.confirmed_or_asked(check.warnings, check.to_confirm)
