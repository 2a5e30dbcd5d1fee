"""Forms of the referrals pages: the ROI period, the projection, the pipeline's
filters and the partner CSV import."""

from datetime import date, timedelta

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, IntegerField
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from rules.vocabulary import REFERRAL_DIRECTIONS, REFERRAL_STATUSES

from ..forms import FiniteDecimalField, SelectField, choices
from ..validation import plausible_date

PERIODS = {
    "last_12_months": "Last 12 months",
    "this_year": "This year",
    "last_year": "Last year",
    "custom": "Custom dates",
}
LONGEST_PERIOD_DAYS = 10 * 366  # a longer span is a typo in a year


class PeriodForm(FlaskForm):
    """The period the ROI is worked out over: a preset, or two days (the team's).
    A GET form that changes nothing, so it has no CSRF token."""

    class Meta:
        csrf = False

    period = SelectField(
        "Period", choices=choices(PERIODS), default="last_12_months", validate_choice=True
    )
    start = DateField("From", validators=[Optional(), plausible_date])
    end = DateField("To", validators=[Optional(), plausible_date])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not valid or self.period.data != "custom":
            return valid
        if self.start.data is None:
            self.start.errors.append("Enter the first day of the period.")
        if self.end.data is None:
            self.end.errors.append("Enter the last day of the period.")
        if self.start.data and self.end.data:
            if self.end.data < self.start.data:
                self.end.errors.append("The last day can't be before the first.")
            elif (self.end.data - self.start.data).days > LONGEST_PERIOD_DAYS:
                self.end.errors.append("Choose a period of at most ten years.")
        return not (self.start.errors or self.end.errors)

    def days(self, today: date) -> tuple[date, date]:
        """The first and last day of the valid period, `today` being the team's."""
        preset = self.period.data
        if preset == "this_year":
            return date(today.year, 1, 1), today
        if preset == "last_year":
            return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
        if preset == "custom":
            return self.start.data, self.end.data
        return today - timedelta(days=364), today

    def args(self) -> dict:
        """The period as query arguments, for links that keep it (sorting)."""
        if self.period.data != "custom":
            return {"period": self.period.data}
        return {"period": "custom", "start": self.start.data, "end": self.end.data}


class PipelineFilterForm(FlaskForm):
    """Which referrals the pipeline shows: whose (a manager's choice), which
    partner, which way, which status (a phone shows one at a time), referred
    between which days. A GET form; the choices of agent and partner are the
    user's own, set by the view."""

    class Meta:
        csrf = False

    agent = SelectField("Agent", choices=[], validate_choice=True, default="")
    partner = SelectField("Partner", choices=[], validate_choice=True, default="")
    direction = SelectField(
        "Direction", choices=choices(REFERRAL_DIRECTIONS, blank="Both"), default=""
    )
    status = SelectField("Status", choices=choices(REFERRAL_STATUSES, blank="All"), default="")
    start = DateField("Referred from", validators=[Optional(), plausible_date])
    end = DateField("Referred to", validators=[Optional(), plausible_date])

    def validate_end(self, field):
        if self.start.data and field.data and field.data < self.start.data:
            raise ValidationError("The last day can't be before the first.")


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
