from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, ValidationError

from ...domain.i18n import _
from ...domain.leads import MAX_QUANTITY, FieldError, clean_int
from ..forms import OneTimeSubmission
from ..i18n import lazy_gettext as _l


class ProposeForm(OneTimeSubmission, FlaskForm):
    """Propose one candidate by hand: which lead, how many units (the service checks the rest).
    The page has one such form per candidate, each with its own submission token."""

    lead_id = IntegerField(validators=[DataRequired()])  # rendered as a hidden input per candidate
    # Read by the one rule for numbers people type (domain.numbers), like every other quantity.
    quantity = StringField(_l("Units"), render_kw={"inputmode": "numeric", "size": 9})

    def for_lead(self, lead_id: int) -> "ProposeForm":
        """This form as the row of candidate ``lead_id``: its units box gets that row's id
        (quantity-<lead id>), so that each row's box, its label and its error are its own."""
        self.lead_id.data = lead_id
        self.quantity.id = self.quantity.label.field_id = f"quantity-{lead_id}"
        return self

    def validate_quantity(self, field) -> None:
        try:
            field.data = clean_int(field.data, minimum=1, maximum=MAX_QUANTITY, required=True,
                                   what=_("number of units"))
        except FieldError as exc:
            raise ValidationError(str(exc)) from None
