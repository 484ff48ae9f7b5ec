from datetime import date

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, ValidationError

from ...domain.errors import FieldError
from ...domain.i18n import _
from ...domain.match_status import CHOSEN_CLOSE_REASONS, MATCH_ACTIONS, clean_delivery_on, close_reasons_for
from ...domain.text import REASON_MAX_LENGTH
from ..forms import MaxLength, choices
from ..i18n import lazy_gettext as _l


class MatchActionForm(FlaskForm):
    """One lifecycle step; the transition table (domain.match_status) says what each needs.
    ``delivery_on`` is read by domain.match_status.clean_delivery_on from ``today`` (the city's
    date: the view passes demand.today()); the cleaned date is ``self.delivery_day``."""

    action = HiddenField()
    reason = TextAreaField(_l("Why do you decline?"), validators=[MaxLength(REASON_MAX_LENGTH)])
    close_reason = SelectField(_l("Why is it closed?"), choices=choices(CHOSEN_CLOSE_REASONS, prompt="Choose…"),
                               validate_choice=False)
    delivery_on = StringField(_l("Delivery date"), validators=[Length(max=40)],
                              description=_l("The day the units should arrive, e.g. 2027-01-21 or 21 Jan 2027."))

    def __init__(self, *args, party: str | None = None, today: date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.delivery_day: date | None = None
        if party is not None:  # the reader's own reasons (domain.match_status.close_reasons_for)
            self.close_reason.choices = choices(close_reasons_for(party), prompt="Choose…")
        if party == "supplier":
            self.delivery_on.label.text = _("Delivery date you expect")
        elif party is not None:
            self.delivery_on.label.text = _("Delivery date the supplier gave (optional)")

    def validate_delivery_on(self, field):
        action = MATCH_ACTIONS.get(self.action.data or "")
        if action is None:
            return  # the transition table names the unknown action
        if action.delivery_date is None:
            if (field.data or "").strip():
                raise ValidationError(_("'{action}' takes no delivery date.").format(action=action.text))
            return
        if self.today is None:
            raise TypeError("MatchActionForm(today=...) is needed to read a delivery date")
        try:
            self.delivery_day = clean_delivery_on(field.data, self.today, required=action.delivery_date == "required")
        except FieldError as exc:
            raise ValidationError(str(exc)) from None
