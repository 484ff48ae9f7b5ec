"""create_app() builds the Flask application: extensions, blueprints, error pages, template helpers, CLI."""
from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

from config import load_config

from .domain.i18n import N_
from .extensions import csrf, db, limiter, login_manager, migrate
from .jobs.logs import configure_logging
from .jobs.queue import install as install_effects
from .service_context import register_service_context
from .web.body_limit import DrainOversizedBodies, LimitedRequest
from .web.errors import register_error_handlers
from .web.forms import install_html_params
from .web.i18n import register_i18n
from .web.mail_retry import register_mail_retry
from .web.open_data_refresh import register_open_data_refresh
from .web.slashes import register_trailing_slashes
from .web.template_helpers import register_template_helpers
from .web.time_checks import register_time_checks


def create_app(config_name: str | None = None, **overrides) -> Flask:
    app = Flask(__name__, template_folder="../templates", instance_relative_config=True)
    app.url_map.converters["int"] = RecordIdConverter
    app.config.from_mapping(load_config(config_name, overrides))
    app.config.update(overrides)
    check_mail_settings(app.config)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {}  # pre-ping buys nothing for a file

    if app.config.get("PROXY_FIX_X_FOR"):
        # Behind a reverse proxy: take the client's address from X-Forwarded-For (that many proxies),
        # so that per-address rate limits count people, not the proxy.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"],
                                x_proto=app.config["PROXY_FIX_X_FOR"])
    configure_logging()  # once: every job's log lines carry its job id and lead or plan
    app.request_class = LimitedRequest  # MAX_CONTENT_LENGTH, and larger for LARGER_BODIES' paths
    app.wsgi_app = DrainOversizedBodies(app.wsgi_app, app.config.get("MAX_CONTENT_LENGTH"),
                                        app.config["MAX_DRAIN_BYTES"], app.config.get("LARGER_BODIES"))
    register_extensions(app)
    register_i18n(app)
    install_effects()  # effects declared by services run after each commit (jobs.queue.dispatch)
    register_blueprints(app)
    register_error_handlers(app)
    register_trailing_slashes(app)  # /open-data/ is sent on to /open-data
    register_service_context(app)
    register_template_helpers(app)
    install_html_params()  # WTForms' attributes, the same text about ten times faster
    register_cli(app)
    register_mail_retry(app)
    register_time_checks(app)
    register_open_data_refresh(app)
    from .domain import registries
    registries.configure(app.config.get("REGISTRY_FOLDER"))  # where refreshed registries are read from
    from .security import set_security_headers, tell_session_ended
    app.after_request(tell_session_ended)
    app.after_request(set_security_headers)
    return app


def check_mail_settings(config) -> None:
    """Refuse to start with mail settings that would lose or spoil e-mail (domain.mail): in
    production a real sender (MAIL_FROM) and public https address (PUBLIC_URL) are required.
    Raises RuntimeError listing every problem."""
    from .domain.mail import mail_settings_problems

    problems = mail_settings_problems(config, production=config.get("MARKETPLACE_ENV") == "production")
    if problems:
        raise RuntimeError("The mail settings are not usable:\n- " + "\n- ".join(problems))


class RecordIdConverter(IntegerConverter):
    """``<int:...>`` in URLs is a record id: larger than the database's integer columns hold, it
    is "not found" (404) instead of an overflow inside the database driver (500)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            tune_sqlite(db.engine)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    from . import security  # registers the user loader
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    # Flask-Login's way to translate its message: localize_callback, called when it flashes it.
    login_manager.login_message = N_("Please sign in to see this page.")
    # security.sign_in_message: gettext, or "Your session ended" when the session ended by itself.
    login_manager.localize_callback = security.sign_in_message
    login_manager.login_message_category = "info"
    # A remember cookie is refused once its server-side session is revoked (see security.py);
    # "strong" protection also drops a session whose browser fingerprint changes.
    login_manager.session_protection = "strong"


# SQLite's own default limit of bound parameters per statement; some builds raise it (Debian's to
# 250,000). Held to it, every build refuses the same statements, so that a list of ids bound one
# parameter each (not models.base.id_in) fails in the tests on any machine, not first in production.
SQLITE_MAX_PARAMETERS = 32_766


def tune_sqlite(engine) -> None:
    """The embedded default: write-ahead log (readers never block the writer, commits are cheap),
    foreign keys enforced, a writer waits for a lock instead of failing at once, and at most
    SQLITE_MAX_PARAMETERS bound parameters per statement on every build."""
    import sqlite3

    from sqlalchemy import event

    from .models.base import sqlite_city_date

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()
        # Dates in the city's time zone, grouped in SQL (models.base.city_date; the open data).
        dbapi_connection.create_function("city_date", 2, sqlite_city_date, deterministic=True)
        dbapi_connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, SQLITE_MAX_PARAMETERS)


def register_blueprints(app: Flask) -> None:
    from .web.admin.routes import bp as admin_bp
    from .web.api import bp as api_bp
    from .web.auth.routes import bp as auth_bp
    from .web.buyers.routes import bp as buyers_bp
    from .web.dashboard.routes import bp as dashboard_bp
    from .web.imports.routes import bp as imports_bp
    from .web.main.routes import bp as main_bp
    from .web.matches.routes import bp as matches_bp
    from .web.open_data.routes import bp as open_data_bp
    from .web.planning.routes import bp as planning_bp
    from .web.suppliers.routes import bp as suppliers_bp
    from .web.vetting.routes import bp as vetting_bp

    for blueprint in (main_bp, auth_bp, suppliers_bp, buyers_bp, vetting_bp, planning_bp, matches_bp, admin_bp,
                      imports_bp, api_bp, open_data_bp, dashboard_bp):
        app.register_blueprint(blueprint)


def register_cli(app: Flask) -> None:
    from .cli import register

    register(app)
