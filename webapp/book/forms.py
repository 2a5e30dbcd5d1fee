from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired


class ImportForm(FlaskForm):
    file = FileField(
        "Book file (JSON, partnerplan-book/1 or 2)", validators=[FileRequired("Choose a file.")]
    )
