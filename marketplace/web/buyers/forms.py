"""The buyers' forms: a demand request (checked by the domain's parse_demand) and confirm buttons."""
from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from ...domain.catalog import BUYER_ORGANISATION_KINDS, FACILITY_TYPES, PRODUCT_CATEGORIES
from ...domain.demand import parse_demand, request_warnings
from ...domain.scoring import request_figures_to_confirm
from ..forms import (
    CheckboxList,
    ConfirmFigures,
    FacilityFields,
    NumberField,
    OneTimeSubmission,
    attach_errors,
    choices,
    no_control_characters,
)
from ..i18n import lazy_gettext as _l


class DemandForm(OneTimeSubmission, ConfirmFigures, FlaskForm):
    """A demand request. All checks are the domain's (parse_demand), shared with the CSV import."""

    category = SelectField(_l("What do you need?"), choices=choices(PRODUCT_CATEGORIES, prompt="Choose…"), validate_choice=False)
    quantity = StringField(_l("Quantity (units)"), render_kw={"inputmode": "numeric", "required": True})
    max_unit_price = NumberField(_l("Maximum unit price (USD)"), render_kw={"inputmode": "decimal", "required": True},
                                 description=_l("The most you can pay per single unit (one glove, one mask), "
                                                "not per box, e.g. 1.50."))
    needed_by = StringField(_l("Needed by"), render_kw={"type": "date", "required": True})
    # How long the stock lasts (domain.stock.parse_stock): stock on hand and daily use, or two
    # counts (CDC burn rate), or days of supply alone.
    stock_on_hand = StringField(_l("Units on hand"), render_kw={"inputmode": "numeric"},
                                description=_l("Your count of this item (single units), e.g. 1200."))
    stock_counted_on = StringField(_l("Counted on"), render_kw={"type": "date"},
                                   description=_l("The day of that count; empty means today."))
    avg_daily_use = NumberField(_l("Average daily use (units a day)"), render_kw={"inputmode": "decimal"},
                                description=_l("Units used on an average day, e.g. 150. Or leave it empty and give "
                                               "an earlier count below."))
    first_count = StringField(_l("Earlier count (units)"), render_kw={"inputmode": "numeric"})
    first_counted_on = StringField(_l("Earlier count on"), render_kw={"type": "date"})
    received_between = StringField(_l("Units received between the counts"), render_kw={"inputmode": "numeric"},
                                   description=_l("Empty means none. Daily use = (earlier count + received − "
                                                  "units on hand) ÷ days between the counts."))
    days_of_supply = StringField(_l("Or: days of supply left"), render_kw={"inputmode": "numeric"},
                                 description=_l("Only if you have no count: how many days your stock lasts. It "
                                                "counts down each day."))
    postal_code = StringField(_l("Delivery ZIP code"), render_kw={"inputmode": "numeric", "autocomplete": "postal-code",
                                                              "required": True})
    facility_type = SelectField(_l("Facility"), choices=choices(FACILITY_TYPES, prompt="Choose…"), validate_choice=False)
    substitutes = CheckboxList(_l("Also acceptable instead"), choices=choices(PRODUCT_CATEGORIES), validate_choice=False,
                               description=_l("Only tick what your clinicians accept, e.g. KN95 respirators for N95."))
    specification = TextAreaField(_l("Specification (optional)"), render_kw={"rows": 3, "maxlength": 500},
                                  description=_l("Size, model or standard, e.g. “size M, ASTM D6319”; suppliers see "
                                                 "it. Required to be matched when you ask for “Other”: offers are "
                                                 "matched by it."))

    clean: dict

    def __init__(self, *args, today: date | None = None, **kwargs) -> None:
        """``today``: the date "needed by" may not precede; the view passes the service's
        ``demand.today()``, so that the form calls no service. Required to validate."""
        super().__init__(*args, **kwargs)
        self.today = today

    def validate(self, extra_validators=None) -> bool:
        if self.today is None:
            raise TypeError("DemandForm(today=...) is needed to validate a request")
        if not super().validate(extra_validators):
            return False
        raw = {name: field.data for name, field in self._fields.items()
               if name not in ("csrf_token", "confirm_figures", "confirmed_figures", "submission_token")}
        self.clean, errors = parse_demand(raw, self.today)
        attach_errors(self, errors)
        if errors:
            return False
        # A maximum far outside the reference, or a needed-by date that disagrees with the days of
        # supply, is saved only once confirmed as shown (ConfirmFigures).
        warnings = {**request_figures_to_confirm(self.clean), **request_warnings(self.clean, self.today)}
        return self.figures_confirmed(warnings, self.clean)


class ExtendForm(FlaskForm):
    """A new needed-by date for an overdue request (checked by services.quotes.extend_request with
    the request form's date rule)."""

    needed_by = StringField(_l("New needed-by date"), render_kw={"type": "date", "required": True},
                            description=_l("From today, e.g. 2027-01-21 or 21 Jan 2027."))


class ConfirmForm(FlaskForm):
    """A button that changes state: only the CSRF token."""


class OrganisationForm(FacilityFields, FlaskForm):
    """A buyer without an organisation names theirs (after a refused join request): the same rule
    as registration (services.organisations.place_buyer), with the facility's details."""

    organisation_name = StringField(_l("Organisation"), validators=[DataRequired(), Length(max=200), no_control_characters],
                                    render_kw={"autocomplete": "organization"})
    organisation_kind = SelectField(_l("Kind of organisation"), choices=choices(BUYER_ORGANISATION_KINDS))

