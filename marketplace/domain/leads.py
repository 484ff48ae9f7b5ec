"""The lead format and its validation: the one place where the rules for a lead's fields live.

The web form, the CSV import and any later API all call ``parse_lead``; it takes the raw text a
supplier typed (or a CSV cell) and returns the lead's ``LeadFacts`` (typed, frozen) or a message per
bad field. Normalisation (``normalise.normalise_lead``) and scoring (``scoring.score_lead``) read
those facts, as allocation reads an ``Offer`` and a ``Need``.
"""
from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from rapidfuzz import fuzz, process

from .catalog import (
    CATEGORY_ALIASES,
    CATEGORY_AMBIGUOUS,
    PRODUCT_CATEGORIES,
    SUPPLIER_TYPES,
    choice_key,
    compact_key,
    label,
)
from .countries import UNKNOWN_COUNTRY, code_as_typed, country_code, parse_phone, phone_region, postal_code
from .errors import FieldError
from .i18n import N_, _, field, field_name, format_integer
from .numbers import NumberError, read_number, write_number
from .quotes import clean_valid_until
from .text import MESSAGE_MAX_LENGTH, length_refusal, without_invisible

# The CSV format, in order (issue 2). Export adds ``id`` and ``status`` after these.
LEAD_COLUMNS: tuple[str, ...] = (
    "external_id", "company_name", "contact_name", "email", "phone", "website", "street", "city",
    "state", "postal_code", "country", "supplier_type", "product_category", "product_description",
    "quantity", "unit_price", "min_order_qty", "lead_time_days", "certification", "payment_terms",
    "country_of_origin", "notes", "pack_size", "valid_until",
)
# Columns a file may leave out (added after issue 2; a file without them imports as before):
# ``pack_size`` empty or missing is 1; ``valid_until`` (the quote's validity, domain.quotes) empty or
# missing is DEFAULT_VALIDITY_DAYS after the day the lead is saved (an update keeps the lead's date).
OPTIONAL_LEAD_COLUMNS: tuple[str, ...] = ("pack_size", "valid_until")
# The example row of the lead import's CSV template (domain.imports.template_text): a valid lead.
LEAD_EXAMPLE: dict[str, str] = {
    "external_id": "ACME-0001", "company_name": "Acme Medical Supply Inc.", "contact_name": "Jane Doe",
    "email": "sales@acme-medical.example", "phone": "+1 212 555 0142", "website": "https://acme-medical.example",
    "street": "100 Main Street", "city": "New York", "state": "NY", "postal_code": "10001", "country": "US",
    "supplier_type": "distributor", "product_category": "n95_respirator",
    "product_description": "3M 1860 N95 respirator, NIOSH approved", "quantity": "50,000", "unit_price": "1.25",
    "min_order_qty": "1,000", "lead_time_days": "5", "certification": "NIOSH TC-84A-0006",
    "payment_terms": "net 30", "country_of_origin": "US", "notes": "", "pack_size": "", "valid_until": "",
}
# What parse_lead returns besides LEAD_COLUMNS: the price per pack as quoted (None for single units).
DERIVED_FIELDS: tuple[str, ...] = ("pack_price",)
# The marketplace's own reference for a lead: a random UUID given at creation, written by the
# export and read back by the import, so that an exported file re-imports as "unchanged" (leads made
# through the form have no external_id). Random, so a file from another deployment never names an
# unrelated lead here. Not a LEAD_COLUMNS field: nobody types it, and a file may leave it out.
MARKETPLACE_REF = "marketplace_ref"
_UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

# Largest plausible values: beyond these a number is a typo or an attack, not an offer.
# (One broker offered 900 billion masks in 2020; we still store such numbers so that scoring can
# flag them, but nothing larger than a trillion units, or a unit price above $100,000.)
MAX_QUANTITY = 10**12
MAX_UNIT_PRICE = Decimal("100000")
MAX_LEAD_TIME_DAYS = 365
# Units in one pack: a pallet of gloves holds about 100,000; more is a typo.
MAX_PACK_SIZE = 1_000_000
UNIT_PRICE_STEP = Decimal("0.0001")
# The lead's figures as messages name them: the label in a form, the column in a CSV file
# (i18n.field_name). PACK_SIZE's label is the lead form's, so that "write 10 and the units in each
# box under Units per pack" names the field the person sees.
QUANTITY = field(N_("quantity"), "quantity")
UNIT_PRICE = field(N_("unit price"), "unit_price")
MIN_ORDER_QTY = field(N_("minimum order quantity"), "min_order_qty")
LEAD_TIME_DAYS = field(N_("lead time"), "lead_time_days")
PACK_SIZE = field(N_("Units per pack"), "pack_size")


@dataclass(frozen=True, kw_only=True)
class LeadFacts(Mapping):
    """One lead's clean values, as ``parse_lead`` returns them for a valid lead, or as stored (a
    ``Lead`` row's fields: ``services.processing`` rebuilds them for the pipeline). Money in USD;
    quantities in single units (gloves, masks), already multiplied out of packs (``per_unit``).

    Typed and frozen: change one with ``dataclasses.replace``. It also reads as a read-only mapping
    from field name (the CSV column names) to value, for the code that copies fields by name into
    a ``Lead`` row or an audit entry (``services.leads``), or reads them generically
    (``certifications.check_claims``, the form's confirmation step): ``facts["quantity"]``,
    ``facts.get("notes")``.
    """
    external_id: str | None = None      # the city's or the supplier's own reference (CSV only)
    company_name: str                   # required; spaces collapsed, NFC
    contact_name: str | None = None
    email: str                          # required; normalised by email_validator
    phone: str | None = None            # as typed (trimmed), known to parse for ``country``
    website: str | None = None          # http(s) URL; "https://" added when typed without a scheme
    street: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None      # countries.postal_code: the country's format (US: 5 digits)
    country: str | None = None          # ISO 3166-1 alpha-2 ("US", "MX"); None when not given
    supplier_type: str                  # a key of catalog.SUPPLIER_TYPES
    product_category: str               # a key of catalog.PRODUCT_CATEGORIES
    product_description: str | None = None
    quantity: int                       # units offered, 1 to MAX_QUANTITY
    unit_price: Decimal                 # USD per unit, > 0, 4 decimals
    min_order_qty: int | None = None    # units, at most ``quantity``
    lead_time_days: int | None = None   # days from order to shipment, 0 to MAX_LEAD_TIME_DAYS
    certification: str | None = None    # the claim as typed (see certifications.parse_claims)
    payment_terms: str | None = None
    country_of_origin: str | None = None  # ISO 3166-1 alpha-2
    notes: str | None = None
    pack_size: int = 1                  # units per pack as quoted; 1 = quoted per unit
    # The last day the quote (price and stock) holds, in the city's calendar (domain.quotes); None
    # when not given: the service saving the lead applies quotes.default_valid_until.
    valid_until: date | None = None
    pack_price: Decimal | None = None   # USD per pack as typed; None when pack_size is 1
    # An exported file read back: the lead it names (clean_marketplace_ref). The import's key, not
    # a field a supplier sets; None from the form.
    marketplace_ref: str | None = None

    def __getitem__(self, name: str):
        if name not in LEAD_FACT_FIELDS:
            raise KeyError(name)
        return getattr(self, name)

    def __iter__(self) -> Iterator[str]:
        return iter(LEAD_FACT_FIELDS)

    def __len__(self) -> int:
        return len(LEAD_FACT_FIELDS)

    def as_dict(self) -> dict:
        """{field name: value}, a plain dict (a copy)."""
        return {name: getattr(self, name) for name in LEAD_FACT_FIELDS}


# LeadFacts' field names, in order: LEAD_COLUMNS, then DERIVED_FIELDS and MARKETPLACE_REF.
LEAD_FACT_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(LeadFacts))


@dataclass(frozen=True)
class TextField:
    name: str
    max_length: int
    required: bool = False
    multiline: bool = False


TEXT_FIELDS: dict[str, TextField] = {f.name: f for f in (
    TextField("external_id", 64),
    TextField("company_name", 200, required=True),
    TextField("contact_name", 120),
    TextField("street", 200),
    TextField("city", 100),
    TextField("state", 100),
    TextField("product_description", MESSAGE_MAX_LENGTH, multiline=True),
    TextField("certification", 200),
    TextField("payment_terms", 300),
    TextField("notes", MESSAGE_MAX_LENGTH, multiline=True),
)}

# Fields a lead cannot be saved without.
REQUIRED_FIELDS = ("company_name", "email", "supplier_type", "product_category", "quantity", "unit_price")

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(raw: str | None, spec: TextField) -> str | None:
    value = (raw or "").strip()
    if not spec.multiline:
        value = " ".join(value.split())
    if not value:
        if spec.required:
            raise FieldError(_("This field is required."))
        return None
    if _CONTROL.search(value) or "\x00" in value:
        raise FieldError(_("Contains a control character; please remove it."))
    value = without_invisible(value)  # bidi controls refused, zero-width characters removed (domain.text)
    if refusal := length_refusal(value, spec.max_length):
        raise FieldError(refusal)
    return unicodedata.normalize("NFC", value)


def clean_email(raw: str | None) -> str:
    value = (raw or "").strip()
    if not value:
        raise FieldError(_("This field is required."))
    if len(value) > 254:
        raise FieldError(_("An e-mail address has at most 254 characters."))
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise FieldError(_("Not a valid e-mail address: {reason}").format(reason=exc)) from None
    return result.normalized


def clean_phone(raw: str | None, country: str | None = None) -> str | None:
    """The phone as typed (trimmed), once it reads as a number of the lead's country (a code or a
    name; none given: the US); see ``countries.parse_phone``."""
    value = (raw or "").strip()
    return value if parse_phone(value, phone_region(country)) else None


def clean_website(raw: str | None) -> str | None:
    value = (raw or "").strip()
    if not value:
        return None
    if len(value) > 255 or _CONTROL.search(value) or any(c.isspace() for c in value):
        raise FieldError(_("Not a valid web address."))
    if re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:(?!\d)", value) and not re.match(r"https?://", value, re.I):
        raise FieldError(_("Only http:// or https:// web addresses are accepted."))
    if "://" not in value:
        value = "https://" + value
    try:
        parts = urlsplit(value)
    except ValueError:  # for example an unbalanced [ ] around an IPv6 host
        raise FieldError(_("Not a valid web address.")) from None
    if parts.scheme.lower() not in ("http", "https"):
        raise FieldError(_("Only http:// or https:// web addresses are accepted."))
    if "@" in parts.netloc:
        raise FieldError(_("A web address may not contain a user name before @: this one would open {site}. Give "
                           "the company's own address, for example {address} if that is its site.").format(
            site=parts.hostname or _("another site"), address=f"https://{parts.hostname or 'example.com'}/"))
    host = parts.hostname or ""
    if "." not in host or host.startswith(".") or host.endswith("."):
        raise FieldError(_("Not a valid web address: it needs a domain such as example.com."))
    return value


def clean_choice(raw: str | None, choices: tuple[tuple[str, str], ...], what: str,
                 aliases: Mapping[str, str] | None = None,
                 ambiguous: Mapping[str, tuple[str, ...]] | None = None) -> str:
    """The stored value of ``raw``: a value or label of ``choices`` or a key of ``aliases``
    (catalog.CATEGORY_ALIASES, FACILITY_ALIASES), compared by catalog.choice_key, with or without
    a final "s", and then without the spaces and punctuation between words ("N-95" is "N95").
    The one place a category or facility word is read (CSV imports, forms, the API). A key of
    ``ambiguous`` (catalog.CATEGORY_AMBIGUOUS: "masks") is refused naming what it could be; any
    other word is refused with the nearest accepted word (RapidFuzz), if one is near, and the list's
    labels in the reader's language."""
    value = (raw or "").strip()
    if not value:
        raise FieldError(_("This field is required."))
    words = dict(aliases or {})
    for stored, shown in choices:
        words[choice_key(shown)] = words[stored] = stored
    key = choice_key(value)
    keys = [key, key[:-1]] if key.endswith("s") else [key]
    for candidate in keys:
        if candidate in words:
            return words[candidate]
    for candidate in keys:
        if ambiguous and candidate in ambiguous:
            raise FieldError(_("'{value}' could be: {choices}. Write the one you mean.").format(
                value=value[:40], choices=", ".join(label(choices, code) for code in ambiguous[candidate])))
    compact = {compact_key(word): stored for word, stored in words.items()}
    for candidate in keys:
        if compact_key(candidate) in compact:
            return compact[compact_key(candidate)]
    allowed = ", ".join(label(choices, stored) for stored, _shown in choices)
    suggestion = _nearest_choice(value, choices, words)
    if suggestion:
        raise FieldError(_("Unknown {what} '{value}'. Did you mean '{suggestion}'? Write one of: {allowed}.").format(
            what=field_name(what), value=value[:40], suggestion=suggestion, allowed=allowed))
    raise FieldError(_("Unknown {what} '{value}'; write one of: {allowed}.").format(
        what=field_name(what), value=value[:40], allowed=allowed))


def _nearest_choice(value: str, choices: tuple[tuple[str, str], ...], words: Mapping[str, str]) -> str | None:
    """The label (in the reader's language) of the value whose word -- a value, a label in English or
    in the reader's language, an alias -- is nearest to ``value`` by RapidFuzz's ratio, if it scores
    at least 75 (a slip of the keyboard or a near spelling); None otherwise."""
    names = dict(words)
    for stored, _shown in choices:
        names[choice_key(label(choices, stored))] = stored
    best = process.extractOne(choice_key(value), list(names), scorer=fuzz.ratio, score_cutoff=75)
    return label(choices, names[best[0]]) if best else None


def clean_int(raw: str | None, *, minimum: int, maximum: int, required: bool, what: str,
              packs: str | None = None) -> int | None:
    """A whole number typed by a person (domain.numbers' rule), from ``minimum`` to ``maximum``;
    None when empty and not ``required``. Raises FieldError with a message for the field.
    ``what`` and ``packs`` (the field for units per pack, where this one may be given in packs)
    as numbers.read_number takes them."""
    example = next((str(n) for n in (1500, 30, 7, minimum) if minimum <= n <= maximum), str(minimum))
    try:
        number = read_number(raw, what=what, whole=True, example=example, packs=packs)
    except NumberError as exc:
        raise FieldError(str(exc)) from None
    if number is None:
        if required:
            raise FieldError(_("This field is required."))
        return None
    if number.adjusted() >= len(str(maximum)):
        # Beyond any limit: do not even convert thousands of digits to an int.
        value = -(maximum + 1) if number < 0 else maximum + 1
    else:
        value = int(number)
    if value < minimum:
        raise FieldError(_("The {what} cannot be negative.").format(what=field_name(what)) if minimum == 0
                         else _("The {what} must be at least {minimum}.").format(what=field_name(what), minimum=minimum))
    if value > maximum:
        raise FieldError(_("The {what} must be at most {maximum}.").format(what=field_name(what),
                                                                           maximum=format_integer(maximum)))
    return value


def clean_price(raw: str | None, what: str = UNIT_PRICE) -> Decimal:
    """A price in USD typed by a person (domain.numbers' rule; ``$`` allowed): more than 0, at most
    MAX_UNIT_PRICE, at most 4 decimals. Raises FieldError with a message for the field."""
    try:
        value = read_number(raw, what=what, whole=False, money=True)
    except NumberError as exc:
        raise FieldError(str(exc)) from None
    if value is None:
        raise FieldError(_("This field is required."))
    if value <= 0:
        raise FieldError(_("The {what} must be more than 0.").format(what=field_name(what)))
    if value > MAX_UNIT_PRICE:
        raise FieldError(_("The {what} must be at most ${maximum}.").format(
            what=field_name(what), maximum=format_integer(MAX_UNIT_PRICE)))
    if value != value.quantize(Decimal("0.0001")):
        raise FieldError(_("The {what} has at most 4 decimal places.").format(what=field_name(what)))
    return value.quantize(Decimal("0.0001"))


def new_marketplace_ref() -> str:
    """A fresh marketplace reference: a random (version 4) UUID as 36 characters of text."""
    return str(uuid.uuid4())


def clean_marketplace_ref(raw: str | None) -> str | None:
    """The ``marketplace_ref`` cell of an imported row: None when empty (the row has no marketplace
    reference), else a UUID in its 8-4-4-4-12 hex text (upper or lower case; stored lower case, as
    the export writes it). Raises FieldError for anything else: it was not written by an export."""
    value = (raw or "").strip()
    if not value:
        return None
    if not _UUID_TEXT.fullmatch(value.lower()):
        raise FieldError(_("Not a reference written by this marketplace's export (a UUID such as "
                           "0b5e6f2a-1c3d-4e5f-8a9b-0c1d2e3f4a5b); leave the cell empty to import the "
                           "row as a new lead."))
    return value.lower()


def field_collector():
    """(values, errors, take): ``take(name, clean)`` stores ``clean()`` under ``name``, or the
    FieldError's message in ``errors``. Every field is checked, so all mistakes show at once."""
    values: dict = {}
    errors: dict[str, str] = {}

    def take(name: str, clean) -> None:
        try:
            values[name] = clean()
        except FieldError as exc:
            errors[name] = str(exc)

    return values, errors, take


def parse_lead(raw: Mapping[str, str | None], today: date | None = None) -> tuple[LeadFacts | None, dict[str, str]]:
    """Validate one lead given as text fields (the LEAD_COLUMNS names; a missing one reads as
    empty). Returns (its facts, {}) when valid, else (None, {field: message}) with every bad
    field's message: a lead with any error is not saved.

    ``today`` is the city's date (dates.city_today): every caller that saves the lead gives it, so
    that a quote's ``valid_until`` is refused when past or more than quotes.MAX_VALIDITY_DAYS
    ahead; without it the date is only read (quotes.clean_valid_until).

    A ``marketplace_ref`` key in ``raw`` (an exported file read back) is checked too and its clean
    value kept in ``LeadFacts.marketplace_ref`` (see clean_marketplace_ref); it is the import's
    key, not a field of the lead.
    """
    values, errors, take = field_collector()
    if MARKETPLACE_REF in raw:  # an exported file read back; a form never sends it
        take(MARKETPLACE_REF, lambda: clean_marketplace_ref(raw.get(MARKETPLACE_REF)))
    for name, spec in TEXT_FIELDS.items():
        take(name, lambda spec=spec: clean_text(raw.get(spec.name), spec))
    take("country", lambda: country_code(raw.get("country")))
    take("country_of_origin", lambda: country_code(raw.get("country_of_origin")))
    # A country that cannot be read is not taken as the US: its postal code is kept as typed and
    # its phone must carry its country code (phone_region of ZZ is None; 'NA' refused as 'not
    # available' is not read as Namibia's plan either).
    country = values.get("country") if "country" not in errors else UNKNOWN_COUNTRY
    take("postal_code", lambda: postal_code(raw.get("postal_code"), country))
    take("email", lambda: clean_email(raw.get("email")))
    take("phone", lambda: clean_phone(raw.get("phone"), country))
    take("website", lambda: clean_website(raw.get("website")))
    take("supplier_type", lambda: clean_choice(raw.get("supplier_type"), SUPPLIER_TYPES,
                                               field(N_("supplier type"), "supplier_type")))
    take("product_category", lambda: clean_choice(raw.get("product_category"), PRODUCT_CATEGORIES,
                                                  field(N_("product category"), "product_category"), CATEGORY_ALIASES,
                                                  CATEGORY_AMBIGUOUS))
    take("quantity", lambda: clean_int(raw.get("quantity"), minimum=1, maximum=MAX_QUANTITY, required=True,
                                       what=QUANTITY, packs=PACK_SIZE))
    take("unit_price", lambda: clean_price(raw.get("unit_price")))
    take("min_order_qty", lambda: clean_int(raw.get("min_order_qty"), minimum=1, maximum=MAX_QUANTITY, required=False,
                                            what=MIN_ORDER_QTY, packs=PACK_SIZE))
    take("lead_time_days", lambda: clean_int(raw.get("lead_time_days"), minimum=0, maximum=MAX_LEAD_TIME_DAYS,
                                             required=False, what=LEAD_TIME_DAYS))
    take("pack_size", lambda: clean_int(raw.get("pack_size"), minimum=1, maximum=MAX_PACK_SIZE, required=False,
                                        what=field(N_("pack size"), "pack_size")) or 1)
    take("valid_until", lambda: clean_valid_until(raw.get("valid_until"), today))
    per_unit(values, errors)

    quantity, min_order = values.get("quantity"), values.get("min_order_qty")
    if quantity and min_order and min_order > quantity and "min_order_qty" not in errors:
        errors["min_order_qty"] = _("The minimum order cannot be larger than the quantity offered.")
    if errors:
        return None, errors
    return LeadFacts(**values), errors


def per_unit(values: dict, errors: dict[str, str]) -> None:
    """Read ``quantity``, ``unit_price`` and ``min_order_qty`` as typed (per pack of ``pack_size``
    units: packs and the price of one pack) as per-unit figures, in place: quantity and minimum
    order times the pack size, the price divided by it (rounded half up to 4 decimals, a hundredth
    of a cent), and the price as quoted kept in ``pack_price`` (None when the pack size is 1, when
    the typed figures already are per unit). lead_to_row is the inverse."""
    pack = values.get("pack_size") or 1
    values["pack_price"] = None
    if pack == 1 or {"quantity", "unit_price", "min_order_qty", "pack_size"} & set(errors):
        return
    for name, what in (("quantity", QUANTITY), ("min_order_qty", field(N_("minimum order"), "min_order_qty"))):
        if values.get(name) is not None:
            units = values[name] * pack
            if units > MAX_QUANTITY:
                errors[name] = _("{packs} packs of {size} are {units} units; the {what} must be at most "
                                 "{maximum} units.").format(packs=format_integer(values[name]),
                                                            size=format_integer(pack), units=format_integer(units),
                                                            what=field_name(what), maximum=format_integer(MAX_QUANTITY))
            values[name] = units
    price = values.get("unit_price")
    if price is not None:
        unit_price = (price / pack).quantize(UNIT_PRICE_STEP, rounding=ROUND_HALF_UP)
        if unit_price <= 0:
            errors["unit_price"] = _("${price} for a pack of {size} is less than $0.0001 a unit: check the "
                                     "price and the pack size.").format(price=price, size=format_integer(pack))
        values["pack_price"], values["unit_price"] = price, unit_price


def values_to_row(values: Mapping, columns: tuple[str, ...]) -> dict[str, str]:
    """The CSV/form text of clean values (the inverse of the parse functions for valid values):
    None is empty, prices are plain decimals, lists are joined with ';'."""
    row = {}
    for name in columns:
        value = values.get(name)
        if value is None:
            row[name] = ""
        elif isinstance(value, (list, tuple)):
            row[name] = ";".join(value)
        elif isinstance(value, Decimal):
            row[name] = write_number(value)
        else:
            row[name] = str(value)
    return row


def lead_to_row(values: Mapping) -> dict[str, str]:
    """A lead's stored (per-unit) values as the CSV/form text a person would type: with a pack
    size above 1, the quantity and minimum order in packs and the price per pack as quoted;
    countries as codes that read back as themselves (Namibia's NA as NAM: countries.code_as_typed)."""
    values = {**values, **{name: code_as_typed(values[name]) for name in ("country", "country_of_origin")
                           if values.get(name)}}
    pack = values.get("pack_size") or 1
    if pack > 1:
        price = values.get("pack_price")
        values = {**values,
                  "unit_price": price if price is not None else values.get("unit_price") * pack,
                  **{name: values[name] // pack for name in ("quantity", "min_order_qty")
                     if values.get(name) is not None}}
    return values_to_row(values, LEAD_COLUMNS)
