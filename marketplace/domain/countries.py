"""Countries, phone numbers and postal codes as people write them (issue 8, items 2 and 3): the one
place for the per-country rules of a lead's (and a demand request's) address and phone.

* ``country_code(raw)``: a country typed as an ISO 3166-1 code (``GB``, ``GBR``), its ISO name,
  official or common name (``United Kingdom``, ``Viet Nam``/``Vietnam``, ``South Korea``), its name
  in one of the ~150 languages whose translations pycountry ships (``Deutschland``,
  ``Estados Unidos``, ``México``, ``中国``), or one of the few English names pycountry lacks
  (``_ALIASES``: ``UK``, ``Turkey``, ``Holland``...) -> the alpha-2 code, which is what is stored.
  Unknown or ambiguous text raises FieldError naming what was typed; a near miss is suggested in
  the message, never taken (nothing typed is silently read as something else).
* ``country_name(value)``: what pages show for a stored value (a code, or an older free-text value).
* ``parse_phone(raw, region)`` / ``phone_region(country)``: a phone number read with the numbering
  plan of the lead's country (phonenumbers), with messages that give that country's example.
* ``postal_code(raw, country)``: the postal code rule for leads and demand requests (see there).

A lead without a country is read as a US one (the marketplace's own country, and the form's
default), as before: its phone is parsed with the US plan and its postal code as a US ZIP code.
"""
from __future__ import annotations

import gettext
import os
import re
import unicodedata
from collections import Counter
from functools import cache, lru_cache

import phonenumbers
import pycountry
from rapidfuzz import fuzz, process

from . import geo
from .errors import FieldError

DEFAULT_COUNTRY = "US"
# ISO 3166-1 leaves ZZ to users; CLDR uses it for "unknown region": a country typed but not read.
UNKNOWN_COUNTRY = "ZZ"

# English names that people write and pycountry (ISO 3166-1 names, official and common names, and
# their translations) does not have: former or colloquial names and parts of a country.
# Abbreviations with dots are listed here because codes are taken only as bare letters ("N/A" and
# "n.a." are no answer, not Namibia's NA).
_ALIASES: dict[str, str] = {
    "UK": "GB", "U.K.": "GB", "Great Britain": "GB", "Britain": "GB", "England": "GB",
    "Scotland": "GB", "Wales": "GB", "Northern Ireland": "GB", "U.S.": "US", "U.S.A.": "US",
    "Turkey": "TR",  # ISO's name is "Türkiye" since 2022
    "Russia": "RU", "Holland": "NL", "UAE": "AE", "KSA": "SA", "Ivory Coast": "CI", "Burma": "MM",
    "Swaziland": "SZ", "Macedonia": "MK", "Cape Verde": "CV", "East Timor": "TL", "Vatican": "VA",
    "Vatican City": "VA", "Brunei": "BN", "DR Congo": "CD", "DRC": "CD", "Bosnia": "BA", "Lao PDR": "LA",
    "PRC": "CN", "P.R. China": "CN", "Mainland China": "CN", "China Mainland": "CN",
    "Hong Kong SAR": "HK", "Macau SAR": "MO", "S. Korea": "KR", "DPRK": "KP",
}

# Places whose postal codes are US ZIP codes (USPS): the states and the territories and freely
# associated states that have their own ISO code.
US_ZIP_COUNTRIES = frozenset({"US", "PR", "VI", "GU", "AS", "MP", "MH", "FM", "PW"})

_MAX_LENGTH = 100
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_LEADING_THE = re.compile(r"^\s*the\s+", re.IGNORECASE)
_LEADING_SAINT = re.compile(r"^\s*st\.?\s+", re.IGNORECASE)
_BARE_CODE = re.compile(r"[A-Za-z]{2,3}")
_QUALIFIED = re.compile(r"(?P<head>[^(),]+?)\s*(?:,\s*|\()(?P<tail>[^(),]+?)\)?")
# Levels of evidence, strongest first: codes; ISO, official and common names and the aliases; parts
# of ISO names ("Korea" of "Korea, Republic of"); translations (decided by a vote of languages).
_CODES, _NAMES, _PARTS, _TRANSLATIONS = range(4)
# A translated name is taken when at least this many times more languages give it to one country
# than to any other (one locale's mistake must not make "México" ambiguous).
_VOTE_MARGIN = 3


def _key(text: str, loose: bool) -> str:
    """Case, spacing and punctuation folded ("U.S.A." = "usa"); ``loose`` also drops accents
    ("Turkei" = "Türkei"). Letters of every script are kept."""
    text = _LEADING_SAINT.sub("saint ", _LEADING_THE.sub("", text))
    text = unicodedata.normalize("NFKD", text).casefold()
    keep = ("L", "N") if loose else ("L", "N", "M")
    return "".join(c for c in text if unicodedata.category(c)[0] in keep)


def display_name(code: str) -> str:
    """'KR' -> 'South Korea': the common name where ISO's is formal ('Korea, Republic of')."""
    country = pycountry.countries.get(alpha_2=code)
    return getattr(country, "common_name", None) or country.name


def _name_variants(name: str) -> tuple[list[str], list[str]]:
    """(whole names, parts) of an ISO name: 'Korea, Republic of' -> (['Korea, Republic of',
    'Republic of Korea'], ['Korea']); 'Holy See (Vatican City State)' -> parts 'Holy See' and
    'Vatican City State'."""
    whole, parts = [name], []
    bare = re.sub(r"\s*\(([^)]*)\)", "", name).strip()
    parts += re.findall(r"\(([^)]*)\)", name)
    if bare != name:
        parts.append(bare)
    if ", " in bare:
        head, tail = bare.split(", ", 1)
        whole.append(f"{tail} {head}")
        parts.append(head)
    return whole, parts


@cache
def _index() -> dict[tuple[int, bool], dict[str, Counter]]:
    """(level, loose) -> key -> Counter(code -> votes). Built once (about half a second)."""
    index: dict[tuple[int, bool], dict[str, Counter]] = {}

    def add(level: int, text: str, code: str) -> None:
        for loose in (False, True):
            key = _key(text, loose)
            if key:
                index.setdefault((level, loose), {}).setdefault(key, Counter())[code] = 1

    translations = [gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language])
                    for language in sorted(os.listdir(pycountry.LOCALES_DIR))
                    if os.path.exists(os.path.join(pycountry.LOCALES_DIR, language, "LC_MESSAGES", "iso3166-1.mo"))]
    votes: dict[tuple[bool, str], Counter] = {}
    for country in pycountry.countries:
        code = country.alpha_2
        add(_CODES, code, code)
        add(_CODES, country.alpha_3, code)
        for attribute in ("name", "official_name", "common_name"):
            name = getattr(country, attribute, None)
            if not name:
                continue
            whole, parts = _name_variants(name)
            for text in whole:
                add(_NAMES, text, code)
            for text in parts:
                add(_PARTS, text, code)
            for translation in translations:
                translated = translation.gettext(name)
                if translated != name:
                    for loose in (False, True):
                        votes.setdefault((loose, _key(translated, loose)), Counter())[code] += 1
    for text, code in _ALIASES.items():
        add(_NAMES, text, code)
    for (loose, key), counter in votes.items():
        if key:
            index.setdefault((_TRANSLATIONS, loose), {})[key] = counter
    return index


def _resolve(counter: Counter, level: int) -> str | list[str]:
    """One code, or the codes it could be."""
    ranked = counter.most_common()
    if len(ranked) == 1:
        return ranked[0][0]
    if level == _TRANSLATIONS and ranked[0][1] >= _VOTE_MARGIN * ranked[1][1]:
        return ranked[0][0]
    return sorted(code for code, _ in ranked)


def _lookup_whole(text: str) -> str | list[str] | None:
    index = _index()
    for level in (_CODES, _NAMES, _PARTS, _TRANSLATIONS):
        if level == _CODES and not _BARE_CODE.fullmatch(text):
            continue
        for loose in (False, True):
            counter = index.get((level, loose), {}).get(_key(text, loose))
            if counter:
                return _resolve(counter, level)
    return None


def _lookup(text: str) -> str | list[str] | None:
    """The code(s) of ``text``; a qualified name is also read turned round ('Korea, South' and
    'Korea (South)' as 'South Korea') or, when its qualifier names no other country, by its head
    ('Deutschland (Germany)', 'USA (Texas)')."""
    found = _lookup_whole(text)
    qualified = _QUALIFIED.fullmatch(text)
    if found or not qualified:
        return found
    head, tail = qualified["head"], qualified["tail"]
    turned = _lookup_whole(f"{tail} {head}")
    if turned:
        return turned
    head_code, tail_code = _lookup_whole(head), _lookup_whole(tail)
    if isinstance(head_code, str) and tail_code in (None, head_code):
        return head_code
    if isinstance(head_code, str) and isinstance(tail_code, str):
        return sorted({head_code, tail_code})
    return None


@cache
def _suggestion_names() -> dict[str, str]:
    """Folded English name -> code, for "did you mean" suggestions."""
    names = {_key(display_name(c.alpha_2), True): c.alpha_2 for c in pycountry.countries}
    names.update({_key(c.name, True): c.alpha_2 for c in pycountry.countries})
    names.update({_key(text, True): code for text, code in _ALIASES.items()})
    return names


def _suggest(text: str) -> str | None:
    qualified = _QUALIFIED.fullmatch(text)
    if qualified:  # 'Shenzhen, China': a place and its country
        for part in (qualified["tail"], qualified["head"]):
            code = _lookup_whole(part)
            if isinstance(code, str):
                return display_name(code)
    key = _key(text, True)
    if len(key) < 4:
        return None
    found = process.extractOne(key, _suggestion_names().keys(), scorer=fuzz.ratio, score_cutoff=80)
    return display_name(_suggestion_names()[found[0]]) if found else None


def country_code(raw: str | None) -> str | None:
    """The ISO 3166-1 alpha-2 code of a country as typed; None for an empty value.

    'GB', 'gbr', 'United Kingdom', 'UK', 'Vereinigtes Königreich' -> 'GB'; 'México', 'MEX' -> 'MX'.
    Raises FieldError for text that names no country ("Unknown country 'Atlantis' ...", with a
    suggestion for a near miss) or more than one ("'Korea' could be North Korea (KP) or South
    Korea (KR) ...")."""
    text = " ".join((raw or "").split())
    if not text:
        return None
    shown = text if len(text) <= 60 else text[:57] + "..."
    if len(text) > _MAX_LENGTH or _CONTROL.search(text):
        raise FieldError("Not a country: give its name or 2-letter code, for example Mexico or MX.")
    found = _lookup(text)
    if isinstance(found, str):
        return found
    if found:
        options = " or ".join(f"{display_name(code)} ({code})" for code in found)
        raise FieldError(f"'{shown}' could be {options}: choose one.")
    message = f"Unknown country '{shown}': give its name or 2-letter code, for example Mexico or MX."
    suggestion = _suggest(text)
    if suggestion:
        message += f" Did you mean {suggestion}?"
    raise FieldError(message)


@lru_cache(maxsize=4096)
def try_country_code(raw: str | None) -> str | None:
    """``country_code`` that returns None instead of raising (for stored values written before
    countries were read, which may be free text)."""
    try:
        return country_code(raw)
    except FieldError:
        return None


def country_name(value: str | None) -> str | None:
    """What a page shows for a stored country: 'MX' -> 'Mexico'; an older free-text value is
    shown by its name if it can be read ('Deutschland' -> 'Germany'), else as it was typed."""
    if not value:
        return None
    code = try_country_code(value)
    return display_name(code) if code else value


@cache
def country_choices() -> tuple[tuple[str, str], ...]:
    """(code, name) of every ISO 3166-1 country for a choice list: the United States first (the
    marketplace's own country), then all by name, accents ignored in the order."""
    others = sorted((c.alpha_2 for c in pycountry.countries if c.alpha_2 != DEFAULT_COUNTRY),
                    key=lambda code: _key(display_name(code), True))
    return tuple((code, display_name(code)) for code in (DEFAULT_COUNTRY, *others))


# --- Phones -------------------------------------------------------------------------------------

def phone_region(country: str | None) -> str | None:
    """The numbering plan to read national numbers with: the lead's country (a code or anything
    ``country_code`` reads), the US when no country is given, and None for a country that cannot be
    read or has no plan of its own in phonenumbers (then only numbers with +country code are read)."""
    if not (country or "").strip():
        return DEFAULT_COUNTRY
    code = try_country_code(country)
    return code if code in phonenumbers.SUPPORTED_REGIONS else None


def _example(region: str) -> str:
    number = phonenumbers.example_number(region)
    if number is None:
        return "+1 201 555 0123"
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    international = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return f"{national} or {international}"


def parse_phone(raw: str | None, region: str | None) -> phonenumbers.PhoneNumber | None:
    """The phone number in ``raw`` read with ``region``'s numbering plan (see ``phone_region``);
    a number with + and a country code is read as that country's whatever the region. None for
    an empty value. Raises FieldError with an example in the country's own format."""
    value = (raw or "").strip()
    if not value:
        return None
    if len(value) > 40 or _CONTROL.search(value):
        raise FieldError("Not a valid phone number.")
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as exc:
        if region is None and exc.error_type == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE:
            raise FieldError("Give the number with + and its country code, for example +44 20 7946 0018, "
                             "or choose the country.") from None
        example = _example(region or DEFAULT_COUNTRY)
        raise FieldError(f"Not a valid phone number: use digits, for example {example}.") from None
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason != phonenumbers.ValidationResult.IS_POSSIBLE:
        # Local-only numbers (no area code: '555-0100' in the US) cannot be called from elsewhere.
        problem = ("the area code is missing" if reason == phonenumbers.ValidationResult.IS_POSSIBLE_LOCAL_ONLY
                   else "too few or too many digits")
        where = phonenumbers.region_code_for_number(number) or region
        if where and where in phonenumbers.SUPPORTED_REGIONS and pycountry.countries.get(alpha_2=where):
            raise FieldError(f"Not a valid phone number for {display_name(where)}: {problem}; "
                             f"for example {_example(where)}.")
        raise FieldError(f"Not a valid phone number: {problem}.")
    return number


def phone_e164(raw: str | None, country: str | None) -> str | None:
    """'+525512345678' for '55 1234 5678' in Mexico; None when empty or unreadable (never raises)."""
    try:
        number = parse_phone(raw, phone_region(country))
    except FieldError:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) if number else None


def phone_international(raw: str | None, country: str | None) -> str | None:
    """'+52 55 1234 5678' for '55 1234 5678' in Mexico: how a number was read, to show beside it."""
    try:
        number = parse_phone(raw, phone_region(country))
    except FieldError:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL) if number else None


# --- Postal codes -------------------------------------------------------------------------------

def postal_code(raw: str | None, country: str | None) -> str | None:
    """The postal code as stored, for a country code (None: no country given, read as the US).

    US ZIP codes (``US_ZIP_COUNTRIES``) follow ``geo.zip_code``: '02446', a ZIP that lost its
    leading zeros in a spreadsheet ('2446' -> '02446', '501' -> '00501', only when that ZIP
    exists), and ZIP+4, which is kept ('7102-1234' or '071021234' -> '07102-1234'). Any other shape
    raises FieldError for a US-ZIP country; without a country it is kept as typed (older files).
    Other countries' codes are kept as typed, spacing collapsed and upper-cased ('ec1a 1bb' ->
    'EC1A 1BB'). None for an empty value."""
    text = " ".join((raw or "").split()).upper()
    if not text:
        return None
    if len(text) > 20 or _CONTROL.search(text):
        raise FieldError("Not a postal code: at most 20 letters and digits.")
    if country is None or country in US_ZIP_COUNTRIES:
        zip_code = geo.zip_code(text)
        if zip_code:
            return zip_code
        if country is not None:
            raise FieldError(f"'{text}' is not a US ZIP code: give 5 digits or ZIP+4, for example 02446 "
                             "or 07102-1234.")
    return text


def us_zip(postal: str | None, country: str | None) -> str | None:
    """The ZIP code of a stored address for distances, or None if it is not in a US-ZIP country.
    Works on older stored values too (free-text country, a ZIP without its leading zero)."""
    code = try_country_code(country) if (country or "").strip() else DEFAULT_COUNTRY
    if code not in US_ZIP_COUNTRIES:
        return None
    return geo.zip_code(postal or "")


def comparable_postal_code(raw: str | None, country: str | None) -> str | None:
    """The postal code for comparing two leads (never raises): ZIP5 for US ZIP codes ('7102-1234'
    -> '07102'), otherwise the text without spaces, upper-cased ('EC1A 1BB' -> 'EC1A1BB')."""
    text = re.sub(r"\s+", "", raw or "").upper()
    if not text:
        return None
    code = try_country_code(country) if (country or "").strip() else DEFAULT_COUNTRY
    if code in US_ZIP_COUNTRIES:
        zip_code = geo.zip_code(text)
        if zip_code:
            return zip_code[:5]
    return text
