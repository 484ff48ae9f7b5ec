"""The configuration the services use, handed to them by the edge instead of read from Flask.

``Settings`` is a typed, read-only view of a configuration mapping (in the app: ``app.config``).
The edge binds one for the duration of every application context (web requests, CLI commands,
jobs, tests: see ``marketplace.service_context``); services call ``current()``. The view reads the
mapping when asked, so a value changed at run time (as some tests do) is seen at once.
"""
from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar, Token
from pathlib import Path
from typing import Any

from ..domain.dates import city_zone
from ..domain.i18n import N_, _
from ..domain.mail import use_starttls

# The open data's publisher when the city has not named it (OPEN_DATA_PUBLISHER): a description,
# in the reader's language ("la oficina de compras de la ciudad"), not a name of the city's.
DEFAULT_PUBLISHER = N_("City procurement office")


class Settings:
    """The services' configuration values, by name and type, read from ``config``."""

    __slots__ = ("_config",)

    def __init__(self, config: Mapping[str, Any]) -> None:
        self._config = config

    @property
    def public_url(self) -> str:
        """The site's address as e-mails link to it, without a trailing slash."""
        return str(self._config["PUBLIC_URL"]).rstrip("/")

    @property
    def upload_folder(self) -> Path:
        """Where uploaded documents are stored (outside the web root)."""
        return Path(self._config["UPLOAD_FOLDER"])

    @property
    def max_document_bytes(self) -> int:
        return int(self._config["MAX_DOCUMENT_BYTES"])

    @property
    def import_max_rows(self) -> int:
        """The most data rows one CSV import may have (IMPORT_MAX_ROWS)."""
        return int(self._config.get("IMPORT_MAX_ROWS") or 100_000)

    @property
    def import_stale_after(self):
        """A timedelta: an unfinished import with no progress this long lost its job (IMPORT_STALE_AFTER)."""
        return self._config["IMPORT_STALE_AFTER"]

    @property
    def import_chunk_rows(self) -> int:
        """Rows an import reads and commits at a time (IMPORT_CHUNK_ROWS)."""
        return max(1, int(self._config.get("IMPORT_CHUNK_ROWS") or 500))

    @property
    def dedup_refit_every(self) -> int | None:
        """New leads after which the duplicate model is refitted; None for the built-in default."""
        value = self._config.get("DEDUP_REFIT_EVERY")
        return int(value) if value else None

    @property
    def mail_server(self) -> str | None:
        """The SMTP server; None writes e-mails to the log instead."""
        return self._config.get("MAIL_SERVER") or None

    @property
    def mail_port(self) -> int:
        return int(self._config["MAIL_PORT"])

    @property
    def mail_use_tls(self) -> bool:
        """STARTTLS or not: MAIL_USE_TLS when set, otherwise (None, "auto") only for a remote relay."""
        return use_starttls(self.mail_server, self._config.get("MAIL_USE_TLS"))

    @property
    def mail_reply_to(self) -> str | None:
        """The city's desk, where replies to e-mails go (MAIL_REPLY_TO); None for no Reply-To."""
        return self._config.get("MAIL_REPLY_TO") or None

    @property
    def mail_username(self) -> str | None:
        return self._config.get("MAIL_USERNAME") or None

    @property
    def mail_password(self) -> str:
        return self._config.get("MAIL_PASSWORD") or ""

    @property
    def mail_from(self) -> str:
        return str(self._config["MAIL_FROM"])

    @property
    def secret_key(self) -> str:
        """The key that signs the links e-mailed to recover and confirm accounts (domain.account_tokens)."""
        return str(self._config["SECRET_KEY"])

    @property
    def password_reset_seconds(self) -> int:
        """How long a password reset link works, in seconds (PASSWORD_RESET_MAX_AGE)."""
        return int(self._config["PASSWORD_RESET_MAX_AGE"].total_seconds())

    @property
    def lead_claim_ttl(self):
        """How long a vetter's claim on a lead lasts (LEAD_CLAIM_TTL, a timedelta; default 30 minutes)."""
        return self._config["LEAD_CLAIM_TTL"]

    @property
    def summary_max_age(self):
        """The sweeper counts the control tower's figures again when the newest count is older than
        this (SUMMARY_MAX_AGE, a timedelta; default 2 minutes; services.dashboard)."""
        return self._config["SUMMARY_MAX_AGE"]

    @property
    def four_eyes_value_usd(self) -> int:
        """Above this value (USD, quantity x unit price) an approval takes two vetters (FOUR_EYES_VALUE_USD)."""
        return int(self._config["FOUR_EYES_VALUE_USD"])

    @property
    def city_zone(self):
        """The city's time zone (CITY_TIMEZONE, a ZoneInfo; default America/Los_Angeles): "today" for people."""
        return city_zone(self._config.get("CITY_TIMEZONE"))

    # Open data (issue 12, item 4).
    @property
    def open_data_publisher(self) -> str:
        """Who publishes the open data and the OCDS package: OPEN_DATA_PUBLISHER, the proper name the
        city set (shown as set in every language), or, unset, DEFAULT_PUBLISHER in the current language
        (a published file is written in English: "City procurement office")."""
        return str(self._config.get("OPEN_DATA_PUBLISHER") or _(DEFAULT_PUBLISHER))

    @property
    def open_data_license(self) -> tuple[str, str]:
        """(identifier, URL) of the open data licence (OPEN_DATA_LICENSE, OPEN_DATA_LICENSE_URL)."""
        return (str(self._config.get("OPEN_DATA_LICENSE") or "CC-BY-4.0"),
                str(self._config.get("OPEN_DATA_LICENSE_URL") or "https://creativecommons.org/licenses/by/4.0/"))

    @property
    def ocds_prefix(self) -> str | None:
        """The city's registered ocid prefix (OCDS_PREFIX, e.g. ocds-a1b2c3); None when not set."""
        return self._config.get("OCDS_PREFIX") or None

    @property
    def ocds_package_uri(self) -> str:
        """The OCDS package's ``uri`` (OCDS_PACKAGE_URI: where the city publishes the file it wrote);
        by default the /open-data page's OCDS section, which describes the publication."""
        return str(self._config.get("OCDS_PACKAGE_URI") or f"{self.public_url}/open-data#ocds")

    @property
    def open_data_max_age(self):
        """The public daily table is counted again (by the sweeper's job; without Redis, after a
        response) when its newest snapshot is older than this (OPEN_DATA_MAX_AGE, a timedelta;
        default 5 minutes; services.open_data)."""
        return self._config["OPEN_DATA_MAX_AGE"]

    @property
    def ocds_publish(self) -> tuple[str, ...]:
        """The optional OCDS fields the city publishes (OCDS_PUBLISH; domain.ocds.OPTIONAL_FIELDS)."""
        value = self._config.get("OCDS_PUBLISH") or ()
        return tuple(value.split(",")) if isinstance(value, str) else tuple(value)

    @property
    def email_confirm_seconds(self) -> int:
        """How long an e-mail confirmation link works, in seconds (EMAIL_CONFIRM_MAX_AGE)."""
        return int(self._config["EMAIL_CONFIRM_MAX_AGE"].total_seconds())


_current: ContextVar[Settings | None] = ContextVar("marketplace_settings", default=None)


def current() -> Settings:
    """The settings bound by the edge. Raises RuntimeError outside any bound context (services run
    inside the application, which binds them for every application context)."""
    settings = _current.get()
    if settings is None:
        raise RuntimeError("no settings bound: call the services inside the application "
                           "(marketplace.service_context binds them), or bind() some")
    return settings


def bind(settings: Settings) -> Token:
    """Make ``settings`` current until ``unbind`` is given the returned token."""
    return _current.set(settings)


def unbind(token: Token) -> None:
    _current.reset(token)
