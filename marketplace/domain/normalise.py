"""Normalisation: the forms of a lead's identity fields that comparison and blocking work on.

Computed once per lead by the processing job and stored (``lead_normals``), so that neither the
vetting queue nor the duplicate search recomputes them.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from publicsuffixlist import PublicSuffixList

from . import countries

# Legal-form words that say nothing about which company it is ("Acme Inc." = "ACME Incorporated").
LEGAL_SUFFIXES = frozenset("""
inc incorporated llc lllp llp lp ltd limited corp corporation co company plc gmbh ag sa sas sarl srl
bv nv pty pte pvt kk oy ab as spa sl sa de cv sdn bhd intl international holdings group
""".split())
# Words dropped wherever they stand.
STOP_WORDS = frozenset({"the", "and", "of"})

# Free webmail providers: a company offering millions of units from one of these is a signal.
WEBMAIL_DOMAINS = frozenset("""
gmail.com googlemail.com yahoo.com yahoo.co.uk yahoo.fr yahoo.de ymail.com rocketmail.com
hotmail.com hotmail.co.uk hotmail.fr outlook.com live.com msn.com aol.com icloud.com me.com mac.com
mail.com gmx.com gmx.de gmx.net web.de protonmail.com proton.me pm.me zoho.com yandex.com yandex.ru
mail.ru qq.com 163.com 126.com sina.com sohu.com foxmail.com aliyun.com rediffmail.com
tutanota.com fastmail.com hushmail.com inbox.com naver.com daum.net
""".split())

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
_DOTTED_INITIALS = re.compile(r"\b([A-Za-z])\.(?=[A-Za-z]\b)")


@lru_cache(maxsize=1)
def _public_suffixes() -> PublicSuffixList:
    return PublicSuffixList()  # the list ships inside the package: no network


def fold(text: str | None) -> str:
    """Lower case, accents removed, punctuation to single spaces."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower().replace("&", " and ")
    return " ".join(_NON_ALNUM.sub(" ", text).split())


def company_name(name: str | None) -> str:
    """'The Pacific Medical Supply, Inc.' -> 'pacific medical supply'."""
    if not name:
        return ""
    name = _DOTTED_INITIALS.sub(r"\1", name)  # "L.L.C." -> "LLC.", "U.S.A." -> "USA."
    words = [w for w in fold(name).split() if w not in STOP_WORDS]
    while len(words) > 1 and words[-1] in LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words)


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


def website_domain(url: str | None) -> str | None:
    if not url:
        return None
    if "://" not in url:
        url = "https://" + url
    try:
        return registrable_domain(urlsplit(url).hostname)
    except ValueError:
        return None


def is_webmail(domain: str | None) -> bool:
    return bool(domain) and domain in WEBMAIL_DOMAINS


def street(raw: str | None) -> str:
    return " ".join(STREET_ABBREVIATIONS.get(w, w) for w in fold(raw).split())


def postal_code(raw: str | None, country: str | None = None) -> str | None:
    """'07102-1234' and '7102' (US) -> '07102'; 'ec1a 1bb' (GB) -> 'EC1A1BB'. See
    countries.comparable_postal_code."""
    return countries.comparable_postal_code(raw, country)


@dataclass(frozen=True)
class NormalisedLead:
    name: str
    phone: str | None
    email: str | None
    email_domain: str | None
    website_domain: str | None
    webmail: bool
    street: str
    city: str
    postal_code: str | None
    country: str

    def as_dict(self) -> dict:
        return asdict(self)


def normalise_lead(lead: dict) -> NormalisedLead:
    """The normalised identity of a lead given as plain values (the CSV field names)."""
    country = (lead.get("country") or "").strip()
    domain = email_domain(lead.get("email"))
    return NormalisedLead(
        name=company_name(lead.get("company_name")),
        phone=phone_e164(lead.get("phone"), country),
        email=(lead.get("email") or "").strip().lower() or None,
        email_domain=domain,
        website_domain=website_domain(lead.get("website")),
        webmail=is_webmail(domain),
        street=street(lead.get("street")),
        city=fold(lead.get("city")),
        postal_code=postal_code(lead.get("postal_code"), country),
        country=fold(country),
    )
