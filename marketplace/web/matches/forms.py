from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.validators import Length

from ...domain.match_status import CHOSEN_CLOSE_REASONS, close_reasons_for
from ..forms import choices


class MatchActionForm(FlaskForm):
    """One lifecycle step; the transition table (domain.match_status) says what each needs."""

    action = HiddenField()
    reason = TextAreaField("Why do you decline?", validators=[Length(max=2000)])
    close_reason = SelectField("Why is it closed?", choices=choices(CHOSEN_CLOSE_REASONS, prompt="Choose…"),
                               validate_choice=False)

    def __init__(self, *args, party: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if party is not None:  # the reader's own reasons (domain.match_status.close_reasons_for)
            self.close_reason.choices = choices(close_reasons_for(party), prompt="Choose…")
