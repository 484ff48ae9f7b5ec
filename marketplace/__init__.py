"""The emergency procurement marketplace: create_app() builds the Flask application."""
from __future__ import annotations

import logging

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from config import load_config

from .extensions import csrf, db, limiter, login_manager, migrate


def create_app(config_name: str | None = None, **overrides) -> Flask:
    app = Flask(__name__, template_folder="../templates", instance_relative_config=True)
    app.url_map.converters["int"] = RecordIdConverter
    app.config.from_mapping(load_config(config_name, overrides))
    app.config.update(overrides)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {}  # pre-ping buys nothing for a file

    if app.config.get("PROXY_FIX_X_FOR"):
        # Behind a reverse proxy: take the client's address from X-Forwarded-For (that many proxies),
        # so that per-address rate limits count people, not the proxy.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"],
                                x_proto=app.config["PROXY_FIX_X_FOR"])
    register_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_template_helpers(app)
    register_cli(app)
    from .domain import registries
    registries.configure(app.config.get("REGISTRY_FOLDER"))  # where refreshed registries are read from
    from .security import set_security_headers
    app.after_request(set_security_headers)
    return app


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
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see this page."
    login_manager.login_message_category = "info"
    # A remember cookie is refused once its server-side session is revoked (see security.py);
    # "strong" protection also drops a session whose browser fingerprint changes.
    login_manager.session_protection = "strong"
    from . import security  # noqa: F401  (registers the user loader)


def tune_sqlite(engine) -> None:
    """The embedded default: write-ahead log (readers never block the writer, commits are cheap),
    foreign keys enforced, and a writer waits for a lock instead of failing at once."""
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


def register_blueprints(app: Flask) -> None:
    from .admin.routes import bp as admin_bp
    from .auth.routes import bp as auth_bp
    from .buyers.routes import bp as buyers_bp
    from .main.routes import bp as main_bp
    from .matches.routes import bp as matches_bp
    from .planning.routes import bp as planning_bp
    from .suppliers.routes import bp as suppliers_bp
    from .vetting.routes import bp as vetting_bp

    for blueprint in (main_bp, auth_bp, suppliers_bp, buyers_bp, vetting_bp, planning_bp, matches_bp, admin_bp):
        app.register_blueprint(blueprint)


def register_error_handlers(app: Flask) -> None:
    messages = {
        400: ("Bad request", "The request could not be understood. Please go back and try again."),
        403: ("Not allowed", "Your account may not see or change this."),
        404: ("Not found", "There is nothing here, or you may not see it."),
        405: ("Not allowed", "This page cannot be used that way."),
        413: ("File too large", "The upload is larger than this site accepts."),
        429: ("Too many attempts", "Too many requests from you in a short time. Please wait a minute and try again."),
        500: ("Something went wrong", "The error has been logged. Nothing you submitted was half-saved; please try again."),
    }

    def render_error(code: int, detail: str | None = None):
        title, text = messages.get(code, ("Error", "Something went wrong."))
        return render_template("errors/error.html", code=code, title=title, text=detail or text), code

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        detail = exc.description if exc.code == 400 and "CSRF" in (exc.description or "") else None
        if exc.code == 400 and detail:
            detail = "Your form expired or was sent from another page. Please reload it and try again."
        return render_error(exc.code or 500, detail)

    @app.errorhandler(Exception)
    def unexpected_error(exc: Exception):
        # Fail closed: roll back whatever the request had started and show a plain page.
        db.session.rollback()
        logging.getLogger("marketplace").exception("unhandled error on %s %s", request.method, request.path)
        return render_error(500)


def register_template_helpers(app: Flask) -> None:
    from .domain import catalog, countries
    from .domain.formatting import money
    from .domain.demand import DEMAND_STATUSES
    from .domain.lead_status import LEAD_STATUSES
    from .domain.match_status import CLOSE_REASONS, MATCH_STATUSES

    status_choices = {"LEAD_STATUSES": LEAD_STATUSES, "MATCH_STATUSES": MATCH_STATUSES,
                      "CLOSE_REASONS": CLOSE_REASONS, "DEMAND_STATUSES": DEMAND_STATUSES}

    @app.template_filter("label")
    def label_filter(value, choices_name: str):
        choices = status_choices.get(choices_name) or getattr(catalog, choices_name)
        return catalog.label(choices, value)

    from .services.matching import supplier_sees_buyer

    app.add_template_global(supplier_sees_buyer)

    @app.context_processor
    def unread_notifications():
        # The count in the top bar; computed only when a template asks for it.
        def count() -> int:
            from flask_login import current_user

            from .services.notifications import unread_count

            return unread_count(current_user) if current_user.is_authenticated else 0
        return {"unread_notifications": count}

    app.add_template_filter(money, "money")
    # Countries are stored as ISO codes (older leads may hold free text): pages show the name.
    app.add_template_filter(countries.country_name, "country")
    app.add_template_global(countries.phone_international, "phone_as_read")

    @app.template_filter("number")
    def number(value):
        return "" if value is None else f"{value:,}"

    @app.template_filter("when_short")
    def when_short(value):
        return "" if value is None else value.strftime("%b %d, %H:%M")

    @app.template_filter("when")
    def when(value):
        return "" if value is None else value.strftime("%Y-%m-%d %H:%M UTC")


def register_cli(app: Flask) -> None:
    from .cli import register

    register(app)
