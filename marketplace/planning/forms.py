from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import DataRequired, NumberRange


class ProposeForm(FlaskForm):
    """Propose one candidate by hand: which lead, how many units (the service checks the rest)."""

    lead_id = IntegerField(validators=[DataRequired()])  # rendered as a hidden input per candidate
    quantity = IntegerField("Units", validators=[DataRequired(), NumberRange(min=1, max=10**12)])
