"""Forms of the referrals pages: the projection and the partner CSV import."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange

from ..forms import FiniteDecimalField, SelectField


class ProjectionForm(FlaskForm):
    """Seed 003's "what if": a GET form that changes nothing, so it has no CSRF token."""

    class Meta:
        csrf = False

    partners = IntegerField(
        "Committed partners",
        validators=[
            InputRequired("Enter a number of partners."),
            NumberRange(0, 10000, "Enter a whole number from 0 to 10,000."),
        ],
    )
    rate = FiniteDecimalField(
        "Extra closed deals per partner per month",
        places=None,
        validators=[
            InputRequired("Enter a number of deals."),
            NumberRange(0, 30, "Enter a number from 0 to 30 (decimals such as 0.5 are fine)."),
        ],
    )


class UploadForm(FlaskForm):
    file = FileField(
        "CSV file or vCard", validators=[FileRequired("Choose a CSV or vCard file to upload.")]
    )


class OwnerForm(FlaskForm):
    """The owner chosen on the mapping step, as the preview posts it back (with the
    CSRF token of the preview's "Check again" and "Import")."""

    owner = SelectField("Owner of the imported partners", coerce=int, validate_choice=True)
