from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from ...domain.catalog import BUYER_ORGANISATION_KINDS
from ...domain.passwords import MAX_LENGTH, MIN_LENGTH
from ..forms import FacilityFields, choices, no_control_characters
from ..i18n import lazy_gettext as _l

# Shown under each new password's field (registration, reset).
NEW_PASSWORD_HELP = _l("At least %(count)s characters. A few random words work well.", count=MIN_LENGTH)
PASSWORDS_DIFFER = _l("The passwords differ.")
NOT_AN_EMAIL = _l("Not a valid e-mail address.")


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254), no_control_characters],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_LENGTH)],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Keep me signed in on this device"))
    next = HiddenField()


class RegisterForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120), no_control_characters],
                       render_kw={"autocomplete": "name"})
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(message=NOT_AN_EMAIL), Length(max=254),
                                                 no_control_characters],
                       render_kw={"autocomplete": "email"})
    organisation_name = StringField(_l("Organisation"), validators=[DataRequired(), Length(max=200),
                                                                    no_control_characters],
                                    render_kw={"autocomplete": "organization"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_LENGTH)],
                             description=NEW_PASSWORD_HELP, render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat the password"), validators=[DataRequired(), EqualTo("password", PASSWORDS_DIFFER)],
                            render_kw={"autocomplete": "new-password"})


class BuyerRegisterForm(FacilityFields, RegisterForm):
    """The facility's details are checked by domain.facility.parse_facility (messages beside each field)."""
    organisation_kind = SelectField(_l("Kind of organisation"), choices=choices(BUYER_ORGANISATION_KINDS))


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()],
                                     render_kw={"autocomplete": "current-password"})
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=MAX_LENGTH)],
                                 render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), EqualTo("new_password", PASSWORDS_DIFFER)],
                            render_kw={"autocomplete": "new-password"})


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(message=NOT_AN_EMAIL), Length(max=254),
                                                 no_control_characters],
                       render_kw={"autocomplete": "email"})


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=MAX_LENGTH)],
                             description=NEW_PASSWORD_HELP, render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), EqualTo("password", PASSWORDS_DIFFER)],
                            render_kw={"autocomplete": "new-password"})


class ApiTokenForm(FlaskForm):
    """Make a personal API token (issue 12, item 3); the name only helps its holder tell tokens apart."""

    name = StringField(_l("Name of the new token"), validators=[Length(max=80), no_control_characters],
                       description=_l("e.g. “inventory sync”. The token acts with your account's role."))
