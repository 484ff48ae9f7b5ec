"""The rules of e-mail that arrives (issue 11, item 3): the mail settings' start-up check, when
STARTTLS is used, and the parts every message carries. Pure: no Flask, no SQLAlchemy.

Settings read (names as in config.py): MAIL_SERVER, MAIL_PORT, MAIL_USE_TLS (True, False, or
None: "auto", STARTTLS unless the server is this machine), MAIL_USERNAME, MAIL_FROM (the sender),
MAIL_REPLY_TO (the city's desk, optional), PUBLIC_URL (the address links point to).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from email.headerregistry import Address
from email.utils import getaddresses
from typing import Any
from urllib.parse import urlsplit

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]", "localhost.localdomain"})


def is_loopback(host: str | None) -> bool:
    """True for this machine's names and addresses (localhost, 127.0.0.0/8, ::1)."""
    host = (host or "").strip().lower().rstrip(".")
    return host in LOOPBACK_HOSTS or host.startswith("127.")


def use_starttls(server: str | None, setting: bool | None) -> bool:
    """Whether to ask ``server`` for STARTTLS: ``setting`` when it is True or False; unset (None,
    "auto") means yes for a remote relay and no for a relay on this machine (a plain local relay,
    such as Postfix on localhost, offers no STARTTLS and would refuse every message)."""
    if setting is not None:
        return bool(setting)
    return not is_loopback(server)


def one_address(value: str | None) -> tuple[str, str] | None:
    """``value`` ("Name <a@b.org>" or "a@b.org") as (display name, address) when it is exactly one
    address with a local part and a domain; None otherwise."""
    if not value or "\n" in value or "\r" in value:
        return None
    found = getaddresses([value])
    if len(found) != 1:
        return None
    name, address = found[0]
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain or " " in address:
        return None
    return name, address


def address_domain(value: str) -> str:
    """The domain of the (first) address in ``value``; "localhost" when there is none."""
    found = one_address(value)
    return found[1].rpartition("@")[2].lower() if found else "localhost"


def as_header_address(value: str) -> Address:
    """``value`` (checked by ``one_address``) as an email.headerregistry.Address."""
    found = one_address(value)
    if found is None:
        raise ValueError(f"not one e-mail address: {value!r}")
    name, address = found
    local, _, domain = address.rpartition("@")
    return Address(display_name=name, username=local, domain=domain)


def mail_settings_problems(config: Mapping[str, Any], production: bool) -> list[str]:
    """What is wrong with the mail settings, one sentence each naming the setting; empty when
    they are fine. Everywhere: the sender, Reply-To and public address must be well formed. In
    production also: a sender whose domain is not this machine (the default
    no-reply@localhost is refused by relays), a public address that is https and not this
    machine (links in e-mails must work for the reader; cookies are Secure in production), and no
    password sent in clear to a remote relay (MAIL_USERNAME with MAIL_USE_TLS off)."""
    problems: list[str] = []
    sender = config.get("MAIL_FROM")
    found = one_address(sender)
    if found is None:
        problems.append(f"MAIL_FROM must be one e-mail address such as 'City PPE desk <ppe@city.gov>', not {sender!r}.")
    elif production and is_loopback(found[1].rpartition("@")[2]):
        problems.append(f"MAIL_FROM must be set in production to an address of the city's domain "
                        f"(it is {sender!r}; relays refuse or spam-file mail from localhost).")
    reply_to = config.get("MAIL_REPLY_TO")
    if reply_to and one_address(reply_to) is None:
        problems.append(f"MAIL_REPLY_TO must be one e-mail address (the city's desk), not {reply_to!r}.")
    url = config.get("PUBLIC_URL")
    parts = urlsplit(str(url or ""))
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        problems.append(f"PUBLIC_URL must be the site's address such as 'https://ppe.city.gov', not {url!r}.")
    elif production and (parts.scheme != "https" or is_loopback(parts.hostname)):
        problems.append(f"PUBLIC_URL must be set in production to the https address people open "
                        f"(it is {url!r}; e-mailed links point there).")
    port = config.get("MAIL_PORT")
    if not isinstance(port, int) or not 0 < port < 65536:
        problems.append(f"MAIL_PORT must be a port number, not {port!r}.")
    server = config.get("MAIL_SERVER")
    if (production and server and config.get("MAIL_USERNAME") and not is_loopback(server)
            and not use_starttls(server, config.get("MAIL_USE_TLS"))):
        problems.append(f"MAIL_USE_TLS is off for the remote relay {server}: the MAIL_USERNAME password would "
                        "cross the network in clear. Turn MAIL_USE_TLS on (or leave it unset).")
    return problems


def starttls_hint(server: str | None) -> str:
    """What to do when ``server`` does not offer STARTTLS (for the outbox's error)."""
    if is_loopback(server):
        return (f"{server} offers no STARTTLS: for a plain relay on this machine set MAIL_USE_TLS=0 "
                "(or leave it unset: then STARTTLS is used only for remote relays).")
    return (f"{server} offers no STARTTLS: use its submission port (587) with STARTTLS, or set "
            "MAIL_USE_TLS=0 only if the relay is on a network you trust.")


_URL = re.compile(r"https?://[^\s<>\"]+")


def link_segments(text: str) -> list[list[tuple[str, bool]]]:
    """The paragraphs of a plain-text body (split at blank lines), each a list of (text, is_link)
    segments, a link being an http(s) address: the HTML part shows the same words with the links
    clickable."""
    paragraphs = []
    for block in text.strip().split("\n\n"):
        segments: list[tuple[str, bool]] = []
        at = 0
        for found in _URL.finditer(block):
            if found.start() > at:
                segments.append((block[at:found.start()], False))
            segments.append((found.group(0), True))
            at = found.end()
        if at < len(block):
            segments.append((block[at:], False))
        paragraphs.append(segments)
    return paragraphs
