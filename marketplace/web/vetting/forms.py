from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange

from ...domain.csv_text import encoding_choices
from ..forms import choices


class ImportForm(FlaskForm):
    file = FileField("CSV file")
    encoding = SelectField("Encoding", choices=choices(encoding_choices()), default="",
                           description="Leave as UTF-8 unless the import says the file is not UTF-8.")


class DecisionForm(FlaskForm):
    action = HiddenField(validators=[DataRequired()])
    text = TextAreaField("Reason, question or note", validators=[Length(max=5000)])
    # The queue the vetter came from (a local URL, checked with domain.redirects.safe_next) and
    # whether to go on to its next lead after deciding ("save and next").
    queue = HiddenField()
    then_next = BooleanField("Then open the next lead in the queue", default=True)


class ClusterDecisionForm(FlaskForm):
    """One decision for several leads of one supplier (each decided and audited on its own)."""
    cluster_leads = SelectMultipleField("Leads", coerce=int)
    cluster_action = SelectField("Decision", choices=choices([("approve", "Approve"), ("reject", "Reject")]))
    cluster_text = TextAreaField("Reason (needed to reject)", validators=[Length(max=5000)])


class MergeForm(FlaskForm):
    other_lead_id = IntegerField("Same supplier as lead #", validators=[DataRequired(), NumberRange(min=1)])


class ActionForm(FlaskForm):
    """An empty form: its CSRF token protects the POST buttons."""
