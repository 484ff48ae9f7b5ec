"""The reader's language on every page (issue 13): Flask-Babel picks it, the domain words its texts
in it (domain.i18n), and a switch on every page changes it.

The language is, in this order: the one saved on the account; the one chosen on the switch in this
browser (the session, for people not signed in); the best of ``Accept-Language``; English. The API
(which reads no session) answers in its token holder's saved language, else ``Accept-Language``.
"""
from __future__ import annotations

from flask import Blueprint, Flask, g, redirect, request, session
from flask_babel import LazyString, get_locale, get_translations, refresh
from flask_login import current_user

from ..domain import i18n
from ..domain.dates import city_zone
from ..domain.numbers import fixed_notation
from ..domain.redirects import safe_next
from ..extensions import babel, db
from ..services.accounts import set_locale

bp = Blueprint("language", __name__)
SESSION_KEY = "locale"


def lazy_gettext(text: str, **variables) -> LazyString:
    """``text`` translated when it is shown (a form's label, made at import), in the language of
    that moment (domain.i18n), with ``%(name)s`` ``variables`` filled in after: what Flask-Babel's
    lazy_gettext gives (imported as ``_l``; ``make translations`` extracts it), about twenty times
    cheaper per text, as it reads one context variable instead of looking Flask-Babel's
    translations up through the app context (issue 9, item 7)."""
    return LazyString(_translated, text, variables)


def _translated(text: str, variables: dict) -> str:
    translated = i18n.gettext(text)
    return translated % variables if variables else translated


def select_locale() -> str:
    """The language of this request: the account's, the session's, the browser's, or English. On
    the API: the token holder's (once known, ``refresh_locale``), else the browser's, or English."""
    api = request.blueprint == "api" and request.endpoint != "api.docs"  # the docs are a page like the others
    user = g.get("api_user") if api else current_user
    if user and user.is_authenticated and getattr(user, "locale", None):
        return i18n.choose_locale(user.locale)
    if not api and session.get(SESSION_KEY):
        return i18n.choose_locale(session[SESSION_KEY])
    return request.accept_languages.best_match(tuple(i18n.LANGUAGES), i18n.DEFAULT_LOCALE)


def refresh_locale() -> None:
    """Choose this request's language again, for Flask-Babel and the domain (the API, once the
    token has told who the caller is)."""
    refresh()
    token = g.pop("i18n_token", None)
    if token is not None:
        i18n.deactivate(token)
    g.i18n_token = i18n.activate(str(get_locale()), get_translations())


@bp.post("/language")
def choose():
    """The switch: save the chosen language (account and session), back to the page it was on."""
    locale = i18n.choose_locale(request.form.get("language"))
    session[SESSION_KEY] = locale
    if current_user.is_authenticated:
        set_locale(current_user, locale)
        db.session.commit()
    return redirect(safe_next(request.form.get("next"), "/"))


def register_i18n(app: Flask) -> None:
    """Flask-Babel on ``app`` with our catalogues, the domain's language per request, and the switch."""
    i18n.compile_catalogues()  # a .po newer than its .mo (a fresh install, an updated catalogue)
    i18n.configure_formats({"es": app.config.get("SPANISH_FORMAT_LOCALE") or "es"})
    # Every moment a person reads is on the city's clock (pages, e-mails the jobs send, messages).
    i18n.configure_zone(city_zone(app.config.get("CITY_TIMEZONE")))
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(i18n.CATALOGUES))
    babel.init_app(app, locale_selector=select_locale)
    # Templates translate through the domain's language (set for each request from Flask-Babel's
    # choice by _activate below, or by i18n.use_locale), one context variable read per text:
    # Flask-Babel's own callables look its translations up through the app context each time,
    # which cost about a tenth of showing the lead form (issue 9, item 7).
    app.jinja_env.install_gettext_callables(
        gettext=i18n.gettext, ngettext=i18n.ngettext, newstyle=True, pgettext=i18n.pgettext,
        npgettext=lambda context, singular, plural, n: i18n.current_translations().npgettext(
            context, singular, plural, n))
    # {% trans %} blocks collapse their whitespace, as the catalogue's msgids do (babel.cfg).
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.register_blueprint(bp)

    @app.before_request
    def _activate() -> None:
        g.i18n_token = i18n.activate(str(get_locale()), get_translations())
        if request.blueprint == "api":  # a program's numbers: a decimal point, whatever the account's language
            g.fixed_notation = fixed_notation(".")
            g.fixed_notation.__enter__()

    @app.teardown_request
    def _deactivate(_error=None) -> None:
        notation = g.pop("fixed_notation", None)
        if notation is not None:
            try:
                notation.__exit__(None, None, None)
            except ValueError:  # entered in another context (a streamed response's generator)
                pass
        token = g.pop("i18n_token", None)
        if token is not None:
            try:
                i18n.deactivate(token)
            except ValueError:  # made in another context (a streamed response's generator)
                pass

    @app.context_processor
    def _languages() -> dict:
        return {"languages": i18n.LANGUAGES, "current_locale": i18n.current_locale()}
