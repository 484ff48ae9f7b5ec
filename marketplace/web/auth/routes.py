from flask import Blueprint, Response, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ...domain.redirects import safe_next
from ...extensions import db, limiter
from ...security import end_session, start_session
from ...services import accounts, organisations
from ..forms import attach_errors
from ..main.routes import home_url_for
from .devices import is_known_browser, remember_browser
from .forms import BuyerRegisterForm, LoginForm, PasswordChangeForm, RegisterForm

bp = Blueprint("auth", __name__)


def _login_failed(response) -> bool:
    # Only failed attempts count: a successful login answers with a redirect.
    return response.status_code != 302


def _email_field() -> str:
    return (request.form.get("email") or "").strip().lower()[:254]


def _submitted_email() -> str:
    return "login-account:" + _email_field()


def _submitted_email_and_address() -> str:
    return f"login-account-address:{_email_field()}|{request.remote_addr}"


def _account_guarded() -> Response:
    return make_response(render_template(
        "errors/error.html", code=429, title="Too many attempts on this account",
        text="Someone has tried many wrong passwords for this account from many places. To protect it, "
             "it can be signed in to only from a browser that has signed in to it before. Use such a "
             "browser, or wait an hour and try again."), 429)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT"], methods=["POST"], deduct_when=_login_failed)
@limiter.limit(lambda: current_app.config["LOGIN_ACCOUNT_ADDRESS_LIMIT"], methods=["POST"],
               deduct_when=_login_failed, key_func=_submitted_email_and_address, scope="login-account-address")
@limiter.limit(lambda: current_app.config["LOGIN_ACCOUNT_LIMIT"], methods=["POST"], deduct_when=_login_failed,
               key_func=_submitted_email, scope="login-account",
               exempt_when=lambda: is_known_browser(_email_field()), on_breach=lambda _limit: _account_guarded())
def login():
    """Sign in by e-mail and password; failures are rate limited (see web/auth/devices.py)."""
    form = LoginForm(next=request.args.get("next", ""))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(form.next.data, home_url_for(current_user)))
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is not None:
            start_session(user, remember=form.remember.data)
            return remember_browser(redirect(safe_next(form.next.data, home_url_for(user))), form.email.data)
        form.form_errors.append("Wrong e-mail or password, or the account is deactivated.")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    """Sign out and go to the welcome page."""
    # CSRF-protected like every POST; an expired form still signs out (nothing to protect).
    end_session()
    flash("You are signed out.", "info")
    return redirect(url_for("main.index"))


def _register(form, role: str, template: str):
    if form.validate_on_submit():
        try:
            user = accounts.create_account(accounts.NewAccount(
                email=form.email.data, password=form.password.data, role=role, name=form.name.data,
                organisation_name=form.organisation_name.data,
                organisation_kind=getattr(form, "organisation_kind", None) and form.organisation_kind.data))
        except accounts.AccountError as exc:  # raised before anything is written
            attach_errors(form, {exc.field or "": str(exc)})
        else:
            join = organisations.pending_join(user)
            asked = join.organisation.name if join else None  # its name only: nothing else about it
            db.session.commit()
            start_session(user)
            if asked:
                flash(f"Welcome! Your account is ready. “{asked}” already has an account here, so your request "
                      f"to join “{asked}” waits for approval by its members or city staff; you will be told here "
                      "and by e-mail.", "info")
            else:
                flash("Welcome! Your account is ready.", "success")
            return redirect(home_url_for(user))
    return render_template(template, form=form)


@bp.route("/register/supplier", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["REGISTER_LIMIT"], methods=["POST"])
def register_supplier():
    """Create a supplier account and sign it in."""
    return _register(RegisterForm(), "supplier", "auth/register_supplier.html")


@bp.route("/register/buyer", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["REGISTER_LIMIT"], methods=["POST"])
def register_buyer():
    """Create a buyer account (with its organisation) and sign it in."""
    return _register(BuyerRegisterForm(), "buyer", "auth/register_buyer.html")


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT"], methods=["POST"], deduct_when=_login_failed)
def change_password():
    """Change the signed-in user's password; other sessions are signed out."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current_password.data, form.new_password.data)
        except accounts.AccountError as exc:
            attach_errors(form, {exc.field or "": str(exc)})
        else:
            db.session.commit()
            start_session(current_user._get_current_object())  # all old sessions were revoked; this browser gets a new one
            flash("Your password is changed. Other devices have been signed out.", "success")
            return redirect(home_url_for(current_user))
    return render_template("auth/password.html", form=form)
