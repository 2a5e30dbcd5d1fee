"""Forms of the desk: decisions, tier changes, and the audit-trail filters."""

from flask_wtf import FlaskForm
from wtforms import DateField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..forms import SelectField, stripped
from ..validation import plausible_date


class RejectForm(FlaskForm):
    """Rejecting needs a reason; the agent reads it."""

    reason = StringField(
        "Reason for rejecting",
        validators=[DataRequired("Give a reason for rejecting."), Length(max=500)],
        filters=[stripped],
    )


class BulkApproveForm(FlaskForm):
    """The tier changes ticked in the queue; ids are checked against the team later."""

    recommendation_id = SelectMultipleField(
        "Tier changes",
        coerce=int,
        validate_choice=False,
        validators=[DataRequired("Select at least one tier change to approve.")],
    )


class TierChangeForm(FlaskForm):
    """A tier change by hand; the choices are every tier but the current one."""

    tier = SelectField("New tier", validators=[DataRequired("Choose the new tier.")])
    reason = TextAreaField(
        "Why",
        validators=[DataRequired("Say why the tier changes."), Length(max=500)],
        filters=[stripped],
    )


class AuditFilterForm(FlaskForm):
    """Filters of the audit trail, read from the query string (no CSRF: a GET)."""

    class Meta:
        csrf = False

    partner = SelectField("Partner", default="")
    user = SelectField("User", default="")
    kind = SelectField("Kind", default="")
    date_from = DateField("From", validators=[Optional(), plausible_date])
    date_to = DateField("To", validators=[Optional(), plausible_date])

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("The end date is before the start date.")
