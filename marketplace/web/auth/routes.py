from flask import Blueprint, Response, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ...domain.account_tokens import DEACTIVATED, EXPIRED, USED, TokenRefused
from ...domain.errors import FieldError
from ...domain.i18n import N_, _
from ...domain.redirects import safe_next
from ...extensions import db, limiter
from ...security import end_session, start_session
from ...services import accounts, api_tokens
from ..forms import FacilityFields, attach_errors
from ..main.routes import home_url_for
from .devices import is_known_browser, remember_browser
from .forms import (
    ApiTokenForm,
    BuyerRegisterForm,
    ForgotPasswordForm,
    LoginForm,
    PasswordChangeForm,
    RegisterForm,
    ResetPasswordForm,
)

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
    # Issue 10, item 4: the owner is not simply refused. The e-mailed reset link signs them in and
    # makes this browser a known one (remember_browser), which the account limit lets through.
    return make_response(render_template(
        "errors/error.html", code=429, title=_("Too many attempts on this account"),
        text=_("Someone has tried many wrong passwords for this account from many places. To protect it, "
               "it can be signed in to only from a browser that has signed in to it before. Use such a "
               "browser, wait an hour and try again, or have us e-mail you a link: it lets you set a new "
               "password and signs you in on this browser."),
        link_url=url_for("auth.forgot_password"), link_text=_("E-mail me a sign-in link")), 429)


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
        form.form_errors.append(_("Wrong e-mail or password, or the account is deactivated."))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    """Sign out and go to the welcome page."""
    # CSRF-protected like every POST; an expired form still signs out (nothing to protect).
    end_session()
    flash(_("You are signed out."), "info")
    return redirect(url_for("main.index"))


def _register(form, role: str, template: str):
    # One answer whether or not the address has an account (issue 10, item 3): the same page, not
    # signed in, and an e-mail either way (a confirmation link, or "someone tried" to the owner).
    if form.validate_on_submit():
        try:
            accounts.register(accounts.NewAccount(
                email=form.email.data, password=form.password.data, role=role, name=form.name.data,
                organisation_name=form.organisation_name.data,
                organisation_kind=getattr(form, "organisation_kind", None) and form.organisation_kind.data,
                facility=form.facility_data() if isinstance(form, FacilityFields) else None))
        except accounts.AccountError as exc:  # raised before anything is written
            attach_errors(form, exc.errors)
        else:
            # One answer for every registration (new address or not, organisation name taken or
            # not): a pending request to join is shown once the person has signed in.
            db.session.commit()
            return render_template("auth/check_email.html", email=form.email.data.strip().lower())
    return render_template(template, form=form)


@bp.route("/register/supplier", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["REGISTER_LIMIT"], methods=["POST"])
def register_supplier():
    """Create a supplier account; the page asks to confirm the e-mail address."""
    return _register(RegisterForm(), "supplier", "auth/register_supplier.html")


@bp.route("/register/buyer", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["REGISTER_LIMIT"], methods=["POST"])
def register_buyer():
    """Create a buyer account (with its organisation); the page asks to confirm the e-mail address."""
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
            flash(_("Your password is changed. Other devices have been signed out."), "success")
            return redirect(home_url_for(current_user))
    return render_template("auth/password.html", form=form)


@bp.route("/account/api-tokens", methods=["GET", "POST"])
@login_required
@limiter.limit(lambda: current_app.config["SUBMIT_LIMIT"], methods=["POST"], key_func=lambda: f"user:{current_user.id}")
def api_tokens_page():
    """The signed-in user's personal API tokens: make one (its secret is shown on this answer only,
    never stored nor put in a cookie), see when each was last used, revoke one."""
    form = ApiTokenForm()
    new_token = new_name = None
    if form.validate_on_submit():
        try:
            row, new_token = api_tokens.create_token(current_user, form.name.data)
        except FieldError as exc:
            attach_errors(form, {"name": str(exc)})
        else:
            new_name = row.name
            db.session.commit()
            form = ApiTokenForm(formdata=None)
    response = make_response(render_template("auth/api_tokens.html", form=form, tokens=api_tokens.tokens_of(current_user),
                                             new_token=new_token, new_name=new_name))
    return response


@bp.post("/account/api-tokens/revoke")
@login_required
def revoke_api_token():
    """Revoke one of one's own tokens (anyone else's id: 404)."""
    if ApiTokenForm().validate_on_submit():
        token_id = request.form.get("token_id", type=int)
        row = api_tokens.revoke_token(current_user, token_id if token_id and 0 < token_id < 2**31 else 0)
        db.session.commit()
        flash(_("The token “{name}” is revoked: it no longer works.").format(name=row.name), "success")
    return redirect(url_for("auth.api_tokens_page"))


# --- Recovering and confirming accounts (issue 10, item 14) -----------------------------------

def _asked_address() -> str:
    return "account-mail:" + _email_field()


def _per_user() -> str:
    return f"account-mail-user:{current_user.id}" if current_user.is_authenticated else request.remote_addr or ""


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["ACCOUNT_MAIL_LIMIT"], methods=["POST"])
@limiter.limit(lambda: current_app.config["ACCOUNT_MAIL_LIMIT"], methods=["POST"], key_func=_asked_address,
               scope="account-mail-address")
def forgot_password():
    """Ask for a password reset link; the same answer whether or not the address has an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data)
        db.session.commit()
        return render_template("auth/forgot_sent.html", email=form.email.data.strip().lower())
    return render_template("auth/forgot.html", form=form)


# (status, title, text) of a refused reset link; marked only, translated when shown.
_RESET_REFUSED = {
    EXPIRED: (410, N_("This link has expired"),
              N_("A link to set a new password works for a limited time. Ask for a new one below.")),
    USED: (410, N_("This link has been used"),
           N_("It worked once: the password was set with it, or changed since it was sent. If you cannot "
              "sign in, ask for a new link below.")),
    DEACTIVATED: (403, N_("This account is deactivated"),
                  N_("This account is deactivated: contact the city. A new password would not let you sign in.")),
}
_LINK_INVALID = (400, N_("This link does not work"),
                 N_("It may have been cut short when it was copied from the e-mail. Open the link from the "
                    "e-mail again, or ask for a new one below."))


def _reset_refused(refused: TokenRefused):
    status, title, text = _RESET_REFUSED.get(refused.reason, _LINK_INVALID)
    return render_template("errors/error.html", code=status, title=_(title), text=_(text),
                           link_url=url_for("auth.forgot_password"),
                           link_text=_("E-mail me a new link")), status


def _token_argument() -> str:
    return (request.args.get("token") or "")[:512]


@bp.route("/password/reset", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT"], methods=["POST"], deduct_when=_login_failed)
def reset_password():
    """Set a new password from an e-mailed link (?token=): signs this browser in and every other
    one out, and makes this browser a known one for the account (web/auth/devices.py)."""
    token = _token_argument()
    if not token:
        return redirect(url_for("auth.forgot_password"))
    try:
        accounts.reset_token_user(token)
    except TokenRefused as refused:
        return _reset_refused(refused)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = accounts.reset_password(token, form.password.data)
        except TokenRefused as refused:  # used meanwhile in another tab
            db.session.rollback()
            return _reset_refused(refused)
        except accounts.AccountError as exc:
            attach_errors(form, {exc.field or "": str(exc)})
        else:
            db.session.commit()
            start_session(user)
            flash(_("Your new password is set and you are signed in. Every other device was signed out."), "success")
            return remember_browser(redirect(home_url_for(user)), user.email)
    return render_template("auth/reset.html", form=form)


def _confirm_refused(refused: TokenRefused):
    expired = refused.reason == EXPIRED
    if expired:
        title = _("This link has expired")
        text = _('Confirmation links work for a limited time. Sign in and choose "Send the link again" to get a '
                 'new one.')
    else:
        title = _("This link does not work")
        text = _('It may have been cut short when it was copied from the e-mail. Sign in and choose "Send the '
                 'link again" to get a new one.')
    status = 410 if expired else 400
    return render_template("errors/error.html", code=status, title=title, text=text,
                           link_url=url_for("auth.login"), link_text=_("Sign in")), status


@bp.route("/account/confirm", methods=["GET", "POST"])
def confirm_email():
    """Confirm an e-mail address from the e-mailed link (?token=): the page asks for one click (a
    POST: a mail scanner fetching the link changes nothing); held offers then go to review."""
    token = _token_argument()
    if not token:
        return redirect(url_for("auth.login"))
    if request.method == "GET":
        try:
            user = accounts.confirm_token_user(token)
        except TokenRefused as refused:
            return _confirm_refused(refused)
        return render_template("auth/confirm.html", email=user.email, done=user.email_verified)
    try:
        user, newly = accounts.confirm_email(token)
    except TokenRefused as refused:
        db.session.rollback()
        return _confirm_refused(refused)
    db.session.commit()
    return render_template("auth/confirmed.html", newly=newly, role=user.role)


@bp.post("/account/confirm/resend")
@login_required
@limiter.limit(lambda: current_app.config["ACCOUNT_MAIL_LIMIT"], key_func=_per_user, scope="account-mail-user")
def resend_confirmation():
    """E-mail the signed-in user a new confirmation link (rate limited; CSRF-protected like every POST)."""
    if accounts.send_confirmation(current_user._get_current_object()):
        db.session.commit()
        flash(_("We sent a new confirmation link to {email}.").format(email=current_user.email), "success")
    else:
        flash(_("Your e-mail address is confirmed already."), "info")
    return redirect(safe_next(request.form.get("next"), home_url_for(current_user)))
