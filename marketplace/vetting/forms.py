from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, IntegerField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange


class ImportForm(FlaskForm):
    file = FileField("CSV file")


class DecisionForm(FlaskForm):
    action = HiddenField(validators=[DataRequired()])
    text = TextAreaField("Reason, question or note", validators=[Length(max=5000)])


class MergeForm(FlaskForm):
    other_lead_id = IntegerField("Same supplier as lead #", validators=[DataRequired(), NumberRange(min=1)])


class ActionForm(FlaskForm):
    """An empty form: its CSRF token protects the POST buttons."""
