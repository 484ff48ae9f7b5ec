from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, IntegerField, SelectField, TextAreaField
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


class MergeForm(FlaskForm):
    other_lead_id = IntegerField("Same supplier as lead #", validators=[DataRequired(), NumberRange(min=1)])


class ActionForm(FlaskForm):
    """An empty form: its CSRF token protects the POST buttons."""
