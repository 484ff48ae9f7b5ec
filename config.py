"""Configuration classes, chosen by the MARKETPLACE_ENV environment variable.

* ``development`` (the default): the embedded default. SQLite in ``instance/``, jobs run
  in-process, rate limits in memory. Works on a bare machine with Python alone.
* ``production``: ``SECRET_KEY`` and ``DATABASE_URL`` must be set; ``REDIS_URL`` turns on RQ
  and Redis-backed rate limits; cookies are Secure and HSTS is sent.
* ``testing``: used by the test suite. ``TEST_DATABASE_URL`` and ``TEST_REDIS_URL`` pick a real
  PostgreSQL and Redis; without them the tests run on the embedded default.

Every setting can be overridden from the environment (see ``from_env`` below) or by keyword
arguments to ``create_app``.
"""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("MARKETPLACE_INSTANCE", BASE_DIR / "instance"))


def _persistent_dev_secret() -> str:
    """A random key kept in instance/ so development sessions survive restarts."""
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def normalise_database_url(url: str) -> str:
    """Accept the URLs hosting providers hand out and use the psycopg 3 driver for PostgreSQL."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


class Config:
    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI = f"sqlite:///{INSTANCE_DIR / 'marketplace.db'}"
    # pool_pre_ping: a PostgreSQL restart costs one failed ping per pooled connection, not an error.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    REDIS_URL: str | None = None

    # Uploads: a whole request body may be at most this big (larger answers 413).
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    # A larger body is read and discarded up to this size, so the browser gets the 413 page instead
    # of a connection reset (marketplace/web/body_limit.py); beyond it the connection is dropped.
    MAX_DRAIN_BYTES = 128 * 1024 * 1024
    MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
    # A CSV file to import: 100,000 rows of the lead columns are about 30 MB (bench/import_scale.py).
    MAX_CSV_BYTES = 48 * 1024 * 1024
    # Paths whose request body may be larger than MAX_CONTENT_LENGTH, with their own limit.
    LARGER_BODIES = {"/staff/import": MAX_CSV_BYTES + 1024 * 1024}
    # CSV imports run as background jobs (issue 10, item 11): at most this many data rows a file,
    # read and committed this many rows at a time; the job may run this long (seconds); an
    # unfinished import with no progress for IMPORT_STALE_AFTER is taken up again by the sweeper.
    IMPORT_MAX_ROWS = 100_000
    IMPORT_CHUNK_ROWS = 500
    IMPORT_JOB_TIMEOUT = 3600
    IMPORT_STALE_AFTER = timedelta(seconds=120)
    # Without Redis, an upload's import runs in a thread of the web process (the page shows its
    # progress); False runs it inside the upload's request (the tests do, to be deterministic).
    IMPORT_IN_THREAD = True
    UPLOAD_FOLDER = str(INSTANCE_DIR / "uploads")
    # Refreshed certification registries (`flask registries refresh`); shared by web and workers.
    REGISTRY_FOLDER = str(INSTANCE_DIR / "registries")

    # Sessions and cookies.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    # Sessions that end (domain.sessions, checked in security.load_user): after SESSION_IDLE without
    # use (SESSION_IDLE_STAFF for vetters and admins), and SESSION_ABSOLUTE after signing in
    # (SESSION_ABSOLUTE_REMEMBERED with "Keep me signed in", which the remember cookie lasts too).
    SESSION_IDLE = timedelta(hours=12)
    SESSION_IDLE_STAFF = timedelta(hours=2)
    SESSION_ABSOLUTE = timedelta(hours=24)
    SESSION_ABSOLUTE_REMEMBERED = timedelta(days=30)
    REMEMBER_COOKIE_DURATION = SESSION_ABSOLUTE_REMEMBERED
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    SEND_HSTS = False

    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = 8 * 3600

    # Password hashing: argon2id with the RFC 9106 "second recommended" parameters
    # (t=3, m=64 MiB, p=4), which is argon2-cffi's default profile.
    PASSWORD_HASH_PROFILE = "RFC_9106_LOW_MEMORY"

    # Rate limits (Flask-Limiter syntax). Failed logins count per address and per account.
    RATELIMIT_STORAGE_URI = "memory://"
    # If Redis is down, limits fall back to per-process memory: still limited, never unlimited.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    # Failed sign-ins: per address; per account and address; per account from everywhere (high:
    # only a botnet reaches it, and then only browsers that signed in before get in; web/auth/devices.py).
    LOGIN_LIMIT = "10 per minute"
    LOGIN_ACCOUNT_ADDRESS_LIMIT = "10 per minute"
    LOGIN_ACCOUNT_LIMIT = "100 per hour"
    REGISTER_LIMIT = "10 per hour"
    # "Forgot your password?" and "send the confirmation again": per address and per e-mail address
    # asked about (the same for addresses with and without an account: no enumeration).
    ACCOUNT_MAIL_LIMIT = "5 per hour"
    SUBMIT_LIMIT = "60 per hour"

    # Number of reverse proxies in front of the app (0: none). Set it behind nginx or a load balancer.
    PROXY_FIX_X_FOR = 0
    ITEMS_PER_PAGE = 50
    # The sweeper re-enqueues leads left pending longer than this (lost jobs, Redis outages).
    SWEEP_AFTER = timedelta(seconds=60)
    # A "started" job whose worker sent no heartbeat for this long is treated as abandoned.
    JOB_STALE_AFTER = timedelta(seconds=90)
    # A lead takes milliseconds; a job still running after this many seconds is hung and killed.
    JOB_TIMEOUT = 120
    # Seconds before each retry of a failed job; after the last one the lead shows "failed".
    JOB_RETRY_INTERVALS = [5, 30, 120]
    # The duplicate weights are fitted again after this many new leads (services.match_models).
    DEDUP_REFIT_EVERY = 1000
    # Seed the embedded database on its first start (make run); never in production.
    AUTO_SEED = False

    # E-mail (issues 4 and 11). Without MAIL_SERVER, e-mails are written to the log (and kept in the
    # outbox, where admins read them); with it they go by SMTP. MAIL_USE_TLS: None ("auto") uses
    # STARTTLS for a remote relay and not for one on this machine (a plain local relay offers none);
    # True or False forces it. Production refuses to start without a real sender and public address
    # (marketplace.domain.mail.mail_settings_problems).
    MAIL_SERVER: str | None = None
    MAIL_PORT = 587
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_USE_TLS: bool | None = None
    MAIL_FROM = "PPE Marketplace <no-reply@localhost>"
    # Where replies go: the city's desk (None: no Reply-To header, replies go to MAIL_FROM).
    MAIL_REPLY_TO: str | None = None
    # The address links in e-mails point to (never taken from a request's Host header: a forged
    # Host would otherwise put an attacker's address into password-reset links).
    PUBLIC_URL = "http://127.0.0.1:5000"
    # Without Redis (no worker, no sweeper): a request at most this often, after its response,
    # sends e-mail left pending (a relay that was down). 0 turns it off.
    MAIL_RETRY_SECONDS = 60
    # Offers go stale (issue 11 item 11). Without Redis (no worker, no sweeper): a request at most
    # this often, after its response, asks suppliers to confirm quotes about to lapse and buyers to
    # extend overdue requests (services.quotes.ask_due; `flask sweep` does it too). 0 turns it off.
    STALE_CHECK_SECONDS = 3600
    # Languages (issue 13): how Spanish pages write numbers, money and dates, as a CLDR locale: "es"
    # (1.234,50 US$) by default; "es_MX" or "es_US" for readers who write 1,234.50. Environment:
    # SPANISH_FORMAT_LOCALE.
    SPANISH_FORMAT_LOCALE = "es"
    # How long the e-mailed links work (issue 10, item 14): a password reset link (single-use: any
    # password change ends it), and the link that confirms a new account's e-mail address.
    PASSWORD_RESET_MAX_AGE = timedelta(hours=1)
    EMAIL_CONFIRM_MAX_AGE = timedelta(days=7)
    # Vetting at volume (issue 11, items 6 and 7): a vetter's claim on a lead lapses after
    # LEAD_CLAIM_TTL; approving a lead worth more than FOUR_EYES_VALUE_USD (quantity x unit price)
    # or with a stop signal takes two different vetters.
    LEAD_CLAIM_TTL = timedelta(minutes=30)
    FOUR_EYES_VALUE_USD = 100_000
    # The JSON API (issue 12, item 3): requests per personal API token (every operation), records
    # created per account through it (leads, requests), and the size of a page of a list.
    API_LIMIT = "600 per minute"
    API_CREATE_LIMIT = "2000 per hour"
    # Requests with a token that opens nothing, per address: API_LIMIT counts per presented token,
    # so without this every made-up token would start a fresh counter (and cost a lookup).
    API_AUTH_FAILURE_LIMIT = "30 per minute"
    API_PAGE_SIZE = 50
    API_PAGE_MAX = 200
    # Dates shown to and typed by people follow the city's clock (issue 11, item 13): an IANA name.
    CITY_TIMEZONE = "America/Los_Angeles"
    # Open data (issue 12, item 4; README "Open data"): who publishes /open-data and the OCDS package,
    # under which licence; the city's registered ocid prefix ("ocds-" and six characters: `flask
    # open-data ocds` refuses to run without it); the optional OCDS fields it chooses to publish
    # (domain.ocds.OPTIONAL_FIELDS: prices, buyer_address, supplier_address, supplier_contact; by
    # default none: no prices, addresses or contacts). Environment: comma-separated. OCDS_PACKAGE_URI:
    # where the city publishes the file (default: the /open-data page's OCDS section). The public
    # daily table is a snapshot counted by a job (services.open_data.refresh), never by a request:
    # the sweeper (without Redis: a request, after its response) counts it again when the newest is
    # older than OPEN_DATA_MAX_AGE (the routes' Cache-Control max-age is 300 s too).
    OPEN_DATA_MAX_AGE = timedelta(minutes=5)
    OPEN_DATA_REFRESH_AFTER_REQUEST = True
    OCDS_PACKAGE_URI: str | None = None
    # OPEN_DATA_PUBLISHER: the office's proper name, shown as set in every language; unset, pages
    # say "the city's procurement office" in the reader's language (services.settings).
    OPEN_DATA_PUBLISHER: str | None = None
    OPEN_DATA_LICENSE = "CC-BY-4.0"
    OPEN_DATA_LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/"
    OCDS_PREFIX: str | None = None
    OCDS_PUBLISH: tuple[str, ...] = ()
    # The control tower (issue 12): the dashboard and /signal read a summary snapshot counted by a
    # job (services.dashboard.refresh). Changes that move the figures ask for a count after their
    # commit; the sweeper counts again when the newest snapshot is older than SUMMARY_MAX_AGE.
    SUMMARY_MAX_AGE = timedelta(minutes=2)

    @classmethod
    def from_env(cls) -> dict:
        """Settings that the environment overrides, whatever the class."""
        env: dict = {}
        if os.environ.get("SECRET_KEY"):
            env["SECRET_KEY"] = os.environ["SECRET_KEY"]
        if os.environ.get("DATABASE_URL"):
            env["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(os.environ["DATABASE_URL"])
        if os.environ.get("REDIS_URL"):
            env["REDIS_URL"] = os.environ["REDIS_URL"]
        if os.environ.get("UPLOAD_FOLDER"):
            env["UPLOAD_FOLDER"] = os.environ["UPLOAD_FOLDER"]
        if os.environ.get("REGISTRY_FOLDER"):
            env["REGISTRY_FOLDER"] = os.environ["REGISTRY_FOLDER"]
        for key in ("LOGIN_LIMIT", "LOGIN_ACCOUNT_ADDRESS_LIMIT", "LOGIN_ACCOUNT_LIMIT", "REGISTER_LIMIT",
                    "SUBMIT_LIMIT", "ACCOUNT_MAIL_LIMIT", "API_LIMIT", "API_CREATE_LIMIT",
                    "API_AUTH_FAILURE_LIMIT"):
            if os.environ.get(key):
                env[key] = os.environ[key]
        if os.environ.get("PROXY_FIX_X_FOR"):
            env["PROXY_FIX_X_FOR"] = int(os.environ["PROXY_FIX_X_FOR"])
        if os.environ.get("JOB_TIMEOUT_SECONDS"):
            env["JOB_TIMEOUT"] = int(os.environ["JOB_TIMEOUT_SECONDS"])
        if os.environ.get("DEDUP_REFIT_EVERY"):
            env["DEDUP_REFIT_EVERY"] = int(os.environ["DEDUP_REFIT_EVERY"])
        if os.environ.get("JOB_RETRY_INTERVALS"):
            env["JOB_RETRY_INTERVALS"] = [int(x) for x in os.environ["JOB_RETRY_INTERVALS"].split(",")]
        for key in ("OPEN_DATA_PUBLISHER", "OPEN_DATA_LICENSE", "OPEN_DATA_LICENSE_URL", "OCDS_PREFIX",
                    "OCDS_PACKAGE_URI"):
            if os.environ.get(key):
                env[key] = os.environ[key]
        if os.environ.get("OCDS_PUBLISH") is not None:
            env["OCDS_PUBLISH"] = tuple(f.strip() for f in os.environ["OCDS_PUBLISH"].split(",") if f.strip())
        for key in ("MAIL_SERVER", "MAIL_USERNAME", "MAIL_PASSWORD", "MAIL_FROM", "MAIL_REPLY_TO", "PUBLIC_URL",
                    "CITY_TIMEZONE", "SPANISH_FORMAT_LOCALE"):
            if os.environ.get(key):
                env[key] = os.environ[key]
        if os.environ.get("MAIL_PORT"):
            env["MAIL_PORT"] = int(os.environ["MAIL_PORT"])
        if os.environ.get("MAIL_USE_TLS"):
            tls = os.environ["MAIL_USE_TLS"].lower()
            env["MAIL_USE_TLS"] = None if tls == "auto" else tls not in ("0", "false", "no", "off")
        for key in ("IMPORT_MAX_ROWS", "IMPORT_CHUNK_ROWS", "IMPORT_JOB_TIMEOUT", "FOUR_EYES_VALUE_USD",
                    "MAIL_RETRY_SECONDS", "STALE_CHECK_SECONDS"):
            if os.environ.get(key):
                env[key] = int(os.environ[key])
        for key in ("SWEEP_AFTER", "JOB_STALE_AFTER", "PASSWORD_RESET_MAX_AGE", "EMAIL_CONFIRM_MAX_AGE",
                    "IMPORT_STALE_AFTER", "LEAD_CLAIM_TTL", "SUMMARY_MAX_AGE", "OPEN_DATA_MAX_AGE",
                    "SESSION_IDLE", "SESSION_IDLE_STAFF", "SESSION_ABSOLUTE", "SESSION_ABSOLUTE_REMEMBERED"):
            if os.environ.get(key + "_SECONDS"):
                env[key] = timedelta(seconds=float(os.environ[key + "_SECONDS"]))
        if "SESSION_ABSOLUTE_REMEMBERED" in env:  # the remember cookie lasts as long as such a session
            env["REMEMBER_COOKIE_DURATION"] = env["SESSION_ABSOLUTE_REMEMBERED"]
        return env


class DevelopmentConfig(Config):
    AUTO_SEED = True


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    SEND_HSTS = True
    PREFERRED_URL_SCHEME = "https"


class TestingConfig(Config):
    TESTING = True
    # Tests exercise CSRF explicitly; most test-client calls post a real token (see conftest).
    WTF_CSRF_ENABLED = True
    # A cheaper argon2id profile keeps the suite fast; production strength is tested separately.
    PASSWORD_HASH_PROFILE = "TESTING"
    UPLOAD_FOLDER = str(INSTANCE_DIR / "test-uploads")
    IMPORT_IN_THREAD = False
    # Tests count pending e-mail; the after-request retry is tested on its own.
    MAIL_RETRY_SECONDS = 0
    # Tests count notifications; the after-request time check is tested on its own.
    STALE_CHECK_SECONDS = 0
    # Tests count the open-data snapshot themselves (the after-request refresh is tested on its own).
    OPEN_DATA_REFRESH_AFTER_REQUEST = False


CONFIGS = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
    "testing": TestingConfig,
}


def load_config(name: str | None = None, overrides: dict | None = None) -> dict:
    """The settings for ``name`` (default: $MARKETPLACE_ENV or development) as a plain dict.
    ``overrides`` (create_app's keyword arguments) win over everything and are checked like the rest."""
    name = name or os.environ.get("MARKETPLACE_ENV", "development")
    cls = CONFIGS[name]
    settings = {k: getattr(cls, k) for k in dir(cls) if k.isupper()}
    settings.update(cls.from_env())
    if settings.get("REDIS_URL"):
        settings["RATELIMIT_STORAGE_URI"] = settings["REDIS_URL"]
    settings.update(overrides or {})
    if not settings.get("SECRET_KEY"):
        if name == "production":
            raise RuntimeError("SECRET_KEY must be set in production")
        settings["SECRET_KEY"] = _persistent_dev_secret() if name == "development" else secrets.token_urlsafe(32)
    if name == "production" and settings["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # SQLite in production is allowed (a one-machine pilot) but must be a deliberate choice.
        if not os.environ.get("ALLOW_SQLITE_IN_PRODUCTION"):
            raise RuntimeError("DATABASE_URL must be set in production (or ALLOW_SQLITE_IN_PRODUCTION=1)")
    try:  # a misspelt zone stops the start, not the first request form
        ZoneInfo(settings["CITY_TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError):
        raise RuntimeError(f"CITY_TIMEZONE {settings['CITY_TIMEZONE']!r} is not a known time zone "
                           "(an IANA name such as America/Los_Angeles)") from None
    settings["MARKETPLACE_ENV"] = name
    return settings
