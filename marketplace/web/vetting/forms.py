from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, TextAreaField
from wtforms.validators import DataRequired, NumberRange

from ...domain.csv_text import encoding_choices
from ...domain.text import MESSAGE_MAX_LENGTH
from ..forms import CheckboxList, MaxLength, choices
from ..i18n import lazy_gettext as _l


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"))
    encoding = SelectField(_l("Encoding"), default="",
                           description=_l("Leave as UTF-8 unless the import says the file is not UTF-8."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Worded in the request's language (domain.csv_text.encoding_choices translates them).
        self.encoding.choices = choices(encoding_choices())


class DecisionForm(FlaskForm):
    action = HiddenField(validators=[DataRequired()])
    text = TextAreaField(_l("Reason, question or note"), validators=[MaxLength(MESSAGE_MAX_LENGTH)])
    # The queue the vetter came from (a local URL, checked with domain.redirects.safe_next) and
    # whether to go on to its next lead after deciding ("save and next").
    queue = HiddenField()
    then_next = BooleanField(_l("Then open the next lead in the queue"), default=True)


class ClusterDecisionForm(FlaskForm):
    """One decision for several leads of one supplier (each decided and audited on its own)."""
    cluster_leads = CheckboxList(_l("Leads"), coerce=int)
    cluster_action = SelectField(_l("Decision"), choices=choices([("approve", _l("Approve")), ("reject", _l("Reject"))]))
    cluster_text = TextAreaField(_l("Reason (needed to reject)"), validators=[MaxLength(MESSAGE_MAX_LENGTH)])


class MergeForm(FlaskForm):
    other_lead_id = IntegerField(_l("Same supplier as lead #"), validators=[DataRequired(), NumberRange(min=1)])


class ActionForm(FlaskForm):
    """An empty form: its CSRF token protects the POST buttons."""
