from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from ...domain.catalog import BUYER_ORGANISATION_KINDS
from ...domain.passwords import MAX_LENGTH, MIN_LENGTH
from ..forms import FacilityFields, choices, no_control_characters


class LoginForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254), no_control_characters],
                       render_kw={"autocomplete": "username"})
    password = PasswordField("Password", validators=[DataRequired(), Length(max=MAX_LENGTH)],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField("Keep me signed in on this device")
    next = HiddenField()


class RegisterForm(FlaskForm):
    name = StringField("Your name", validators=[DataRequired(), Length(max=120), no_control_characters],
                       render_kw={"autocomplete": "name"})
    email = EmailField("E-mail", validators=[DataRequired(), Email(message="Not a valid e-mail address."), Length(max=254),
                                             no_control_characters],
                       render_kw={"autocomplete": "email"})
    organisation_name = StringField("Organisation", validators=[DataRequired(), Length(max=200), no_control_characters],
                                    render_kw={"autocomplete": "organization"})
    password = PasswordField("Password", validators=[DataRequired(), Length(max=MAX_LENGTH)],
                             description=f"At least {MIN_LENGTH} characters. A few random words work well.",
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("Repeat the password", validators=[DataRequired(), EqualTo("password", "The passwords differ.")],
                            render_kw={"autocomplete": "new-password"})


class BuyerRegisterForm(FacilityFields, RegisterForm):
    """The facility's details are checked by domain.facility.parse_facility (messages beside each field)."""
    organisation_kind = SelectField("Kind of organisation", choices=choices(BUYER_ORGANISATION_KINDS))


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired()],
                                     render_kw={"autocomplete": "current-password"})
    new_password = PasswordField("New password", validators=[DataRequired(), Length(max=MAX_LENGTH)],
                                 render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("Repeat the new password", validators=[DataRequired(), EqualTo("new_password", "The passwords differ.")],
                            render_kw={"autocomplete": "new-password"})


class ForgotPasswordForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Email(message="Not a valid e-mail address."), Length(max=254),
                                             no_control_characters],
                       render_kw={"autocomplete": "email"})


class ResetPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired(), Length(max=MAX_LENGTH)],
                             description=f"At least {MIN_LENGTH} characters. A few random words work well.",
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("Repeat the new password", validators=[DataRequired(), EqualTo("password", "The passwords differ.")],
                            render_kw={"autocomplete": "new-password"})


class ApiTokenForm(FlaskForm):
    """Make a personal API token (issue 12, item 3); the name only helps its holder tell tokens apart."""

    name = StringField("Name of the new token", validators=[Length(max=80), no_control_characters],
                       description="e.g. “inventory sync”. The token acts with your account's role.")
