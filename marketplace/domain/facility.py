"""A buyer facility's delivery details and its licence or registry number (issue 11, item 8).

Registration collects, for a new buyer organisation: the facility's street address, city, state,
ZIP code and phone (required), an NPI or a state facility licence number (required, with its
kind), and optionally delivery hours and a delivery contact. Text follows the lead's text rules
(``leads.clean_text``: control and invisible characters, lengths), the phone the one phone rule
(``leads.clean_phone``, read as a US number unless it carries +country code), the ZIP code
``countries.postal_code`` for the US.

An NPI (National Provider Identifier, 45 CFR 162.406) is 10 digits whose last digit is the Luhn
check digit computed over the prefix 80840 followed by the first 9 digits (CMS, "Requirements
for the NPI check digit"). A state facility licence has no common shape: it is kept as typed
(trimmed, at most 50 characters) and checked by the admin.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .countries import postal_code
from .errors import FieldError
from .i18n import N_, _
from .leads import TextField, clean_phone, clean_text

LICENCE_NPI = "npi"
LICENCE_STATE = "state_licence"
LICENCE_KINDS = ((LICENCE_NPI, N_("NPI (National Provider Identifier)")),
                 (LICENCE_STATE, N_("State facility licence")))

NPI_PREFIX = "80840"

# The organisation's columns, in the order forms and pages show them.
# A facility's phone is read as a US number unless it carries + and its country code (and shown so).
PHONE_COUNTRY = "US"

FACILITY_FIELDS = ("street", "city", "state", "postal_code", "phone", "licence_kind", "licence_number",
                   "delivery_hours", "delivery_contact")

_TEXT = {f.name: f for f in (
    TextField("street", 200, required=True),
    TextField("city", 100, required=True),
    TextField("state", 100, required=True),
    TextField("delivery_hours", 200),
    TextField("delivery_contact", 120),
)}


def luhn_valid(digits: str) -> bool:
    """Whether a string of digits ends with its Luhn check digit (ISO/IEC 7812-1)."""
    if not digits.isascii() or not digits.isdigit():
        return False
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def clean_npi(raw: str | None) -> str:
    """The NPI as 10 digits ('1234567893'; spaces and dashes as typed are dropped). Raises
    FieldError when empty, not 10 digits, or when the check digit does not match (Luhn over
    80840 + the number)."""
    value = "".join((raw or "").split()).replace("-", "")
    if not value:
        raise FieldError(_("This field is required."))
    if not (value.isascii() and value.isdigit()) or len(value) != 10:
        raise FieldError(_("An NPI is 10 digits, for example 1234567893."))
    if not luhn_valid(NPI_PREFIX + value):
        raise FieldError(_("Not a valid NPI: its last digit (the check digit) does not match; please check the "
                           "number."))
    return value


def clean_licence(kind: str | None, raw: str | None) -> str:
    """The licence or registry number for ``kind`` (LICENCE_NPI: ``clean_npi``; LICENCE_STATE:
    text as typed, at most 50 characters). Raises FieldError."""
    if kind == LICENCE_NPI:
        return clean_npi(raw)
    if kind == LICENCE_STATE:
        return clean_text(raw, TextField("licence_number", 50, required=True))
    raise FieldError(_("Choose NPI or state facility licence."))


def parse_facility(raw: Mapping[str, str | None]) -> tuple[dict[str, str | None], dict[str, str]]:
    """Validate a facility's details given as text (the FACILITY_FIELDS names; missing reads as
    empty). Returns ({field: clean value}, {}) when all are valid, else ({}, {field: message})
    with every bad field's message (in the current language): nothing is stored half-checked."""
    values: dict[str, str | None] = {}
    errors: dict[str, str] = {}

    def take(name, produce):
        try:
            values[name] = produce()
        except FieldError as exc:
            errors[name] = str(exc)

    for name, spec in _TEXT.items():
        take(name, lambda spec=spec: clean_text(raw.get(spec.name), spec))
    take("postal_code", lambda: _required(postal_code(raw.get("postal_code"), "US")))
    take("phone", lambda: _required(clean_phone(raw.get("phone"), PHONE_COUNTRY)))
    kind = (raw.get("licence_kind") or "").strip()
    take("licence_kind", lambda: kind if kind in (LICENCE_NPI, LICENCE_STATE) else _refuse_kind())
    if "licence_kind" not in errors:
        take("licence_number", lambda: clean_licence(kind, raw.get("licence_number")))
    return ({}, errors) if errors else (values, {})


def _required(value: str | None) -> str:
    if not value:
        raise FieldError(_("This field is required."))
    return value


def _refuse_kind() -> str:
    raise FieldError(_("Choose NPI or state facility licence."))


# --- the same identifier held by two organisations (a squatted NPI) -------------------------------

@dataclass(frozen=True)
class IdentifierHolder:
    """An organisation and the licence or registry number it gave (``kind``: LICENCE_NPI or
    LICENCE_STATE, ``number`` as stored)."""

    id: int
    name: str
    verified: bool
    kind: str | None
    number: str | None


def identifier_key(kind: str | None, number: str | None) -> str | None:
    """The comparable form of a licence or registry number, or None when there is none.

    NPIs are public, so anyone can type a hospital's into the registration form. Whatever kind
    was chosen, a number whose digits are a valid NPI (10 digits, check digit right) is that NPI:
    ``'npi:1234567893'`` for ``1234567893``, ``123 456 7893``, ``1234-567-893`` and a state
    licence typed as ``NPI 1234567893`` (a squatter cannot dodge the check by choosing the other
    kind). Any other number is a state licence compared by its letters and digits, case aside:
    ``'CA-LIC 000123'`` and ``calic000123`` are ``'licence:calic000123'``."""
    text = (number or "").strip()
    if not text:
        return None
    digits = "".join(c for c in text if c.isascii() and c.isdigit())
    if len(digits) == 10 and luhn_valid(NPI_PREFIX + digits):
        return f"{LICENCE_NPI}:{digits}"
    letters_and_digits = "".join(c for c in text.casefold() if c.isalnum())
    return f"licence:{letters_and_digits}" if letters_and_digits else None


def shared_identifiers(holders: Iterable[IdentifierHolder]) -> dict[int, list[IdentifierHolder]]:
    """For each organisation whose identifier (``identifier_key``) another organisation also
    holds: those others, verified first, then by id. Organisations that share nothing are absent."""
    by_key: dict[str, list[IdentifierHolder]] = {}
    for holder in holders:
        key = identifier_key(holder.kind, holder.number)
        if key is not None:
            by_key.setdefault(key, []).append(holder)
    shared: dict[int, list[IdentifierHolder]] = {}
    for group in by_key.values():
        if len(group) < 2:
            continue
        for holder in group:
            shared[holder.id] = sorted((h for h in group if h.id != holder.id), key=lambda h: (not h.verified, h.id))
    return shared


@dataclass(frozen=True)
class DeliveryPlace:
    """Where a supplier delivers a match: the request's delivery ZIP is the rule (a request may be
    for another site than the organisation's address); the organisation's street address is the
    delivery address only when it is in that ZIP. ``address``: the organisation's address as one
    line ("" when none was given); ``same_zip``: it lies in the request's ZIP, so it is the one
    delivery address; otherwise the page says the request's ZIP and that the address is elsewhere."""

    zip: str
    address: str
    same_zip: bool


def _zip5(raw: str | None) -> str:
    return "".join(ch for ch in (raw or "") if ch.isdigit())[:5]


def delivery_place(request_zip: str, street: str | None, city: str | None, state: str | None,
                   organisation_zip: str | None) -> DeliveryPlace:
    """The one delivery address of a request (see DeliveryPlace). ZIP+4 and the plain ZIP are the
    same ZIP (90057-1234 is in 90057)."""
    address = ", ".join(part for part in (street, city, state, organisation_zip) if part)
    same = bool(_zip5(organisation_zip)) and _zip5(organisation_zip) == _zip5(request_zip)
    return DeliveryPlace(zip=request_zip, address=address, same_zip=same)
