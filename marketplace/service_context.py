"""The edge hands the services what they would otherwise read from Flask.

* The settings (``services.settings``), bound for every application context: web requests, CLI
  commands, jobs and tests all push one, so every service call sees its own app's configuration.
* The client's address for the audit log (``services.audit``), bound for every web request.

Services read these values and never import flask; only this module knows where they come from.
"""
from __future__ import annotations

from flask import Flask, appcontext_pushed, g, request

from .services import audit, settings

_SETTINGS_TOKENS = "_service_settings_tokens"
_ADDRESS_TOKEN = "_service_client_address_token"


def register_service_context(app: Flask) -> None:
    appcontext_pushed.connect(_bind_settings, app)
    app.teardown_appcontext(_unbind_settings)
    app.before_request(_bind_client_address)
    app.teardown_request(_unbind_client_address)


def _bind_settings(app: Flask, **_) -> None:
    # A context pushed again (nested) binds again; all are undone when it is torn down.
    g.setdefault(_SETTINGS_TOKENS, []).append(settings.bind(settings.Settings(app.config)))


def _unbind_settings(_exc: BaseException | None) -> None:
    for token in reversed(g.pop(_SETTINGS_TOKENS, [])):
        settings.unbind(token)


def _bind_client_address() -> None:
    setattr(g, _ADDRESS_TOKEN, audit.bind_client_address(request.remote_addr))


def _unbind_client_address(_exc: BaseException | None) -> None:
    token = g.pop(_ADDRESS_TOKEN, None)
    if token is not None:
        audit.unbind_client_address(token)
