from flask_wtf import FlaskForm
from flask_wtf.file import FileField


class ImportForm(FlaskForm):
    file = FileField("CSV file")
