from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, Length

from ...domain.passwords import MAX_LENGTH, MIN_LENGTH
from ..forms import no_control_characters
from ..i18n import lazy_gettext as _l


class NewStaffForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120), no_control_characters])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(message=_l("Not a valid e-mail address.")),
                                                 Length(max=254), no_control_characters])
    password = PasswordField(_l("Initial password"), validators=[DataRequired(), Length(max=MAX_LENGTH)],
                             description=_l("At least %(minimum)s characters; tell it to the vetter in person, "
                                            "and ask them to change it after signing in.", minimum=MIN_LENGTH))


class ActionForm(FlaskForm):
    """An empty form: its CSRF token protects the POST buttons (verify, deactivate, ...)."""
