import re
from datetime import date, datetime, timedelta

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectChoice,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from rules.vocabulary import LEAD_STATUSES, PLANNING_QUESTIONS, PLANNING_STATUSES

from ..forms import CreateForm, SelectField, TimeZoneField
from ..validation import HOLIDAY_NAME_MAX, one_line, plausible_date, series_start_problem, time_zone
from .slots import WEEKDAY_NAMES

LOST_LEADS_QUESTIONS = ("met_recently", "showing_soon")
ANSWER_MAX = 5000
# Commitments and moved sessions are for the coming months: a date years away is
# a slip of the keyboard (and 9999-12-31 leaves no room for a session's length).
HORIZON = timedelta(days=366)
ROW_NUMBER = re.compile(r"[0-9]{1,4}")


def options(pairs) -> list[SelectChoice]:
    """Select options (WTForms 3.3 deprecates plain tuples)."""
    return [SelectChoice(value, label) for value, label in pairs]


class WindowForm(Form):
    """One weekly window; a row with no day is dropped (that is how one is removed)."""

    weekday = SelectField(
        "Day",
        choices=options(
            [("", "— none —"), *((str(n), name) for n, name in enumerate(WEEKDAY_NAMES))]
        ),
        validators=[Optional()],
    )
    starts = TimeField("From", validators=[Optional()])
    ends = TimeField("To", validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:
        """A row that names a day needs both times, the second after the first.

        Checked after the fields rather than in validate_ends: Optional() ends
        the validation of an empty field before an inline validator runs.
        """
        valid = super().validate(extra_validators)
        if not self.weekday.data or self.ends.errors:
            return valid
        if self.starts.data is None or self.ends.data is None:
            self.ends.errors.append("Give both times of the window.")
            return False
        if self.ends.data <= self.starts.data:
            self.ends.errors.append("The window must end after it starts.")
            return False
        return valid


class RowList(FieldList):
    """A FieldList that takes only plain row numbers from the posted names.

    FieldList keeps any row index that passes str.isdigit() and then calls
    int() on it: 'windows-²-weekday', or an index of 5,000 digits, would fail.
    """

    def _extract_indices(self, prefix, formdata):
        offset = len(prefix) + 1
        for key in formdata:
            if key.startswith(prefix):
                index = key[offset:].split(self._field_separator, 1)[0]
                if ROW_NUMBER.fullmatch(index):
                    yield int(index)


class PlanningSettingsForm(FlaskForm):
    windows = RowList(FormField(WindowForm), min_entries=1, max_entries=14)
    session_minutes = IntegerField(
        "Session length (minutes)",
        validators=[
            InputRequired("Give the session length."),
            NumberRange(10, 180, "Between 10 and 180 minutes."),
        ],
    )
    # Empty (or absent from the form): the team's zone.
    timezone = TimeZoneField("Time zone", validators=[time_zone], blank="The team's time zone")


class CommitmentForm(FlaskForm):
    """'Partner committed': made today, first referral promised by a date."""

    first_referral_by = DateField(
        "First referral by", validators=[InputRequired("When will the first referral happen?")]
    )

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def validate_first_referral_by(self, field) -> None:
        if field.data is not None and field.data < self.today:
            raise ValidationError("That date is in the past: agree on a day from today on.")
        if field.data is not None and field.data > self.today + HORIZON:
            raise ValidationError(
                "That is more than a year away: agree on a day within the next year."
            )


HOLIDAY_CHOICES = {
    "leave_out": "Book, leaving out the sessions on team days off",
    "keep": "Book all 12 anyway",
}


class BookForm(CreateForm):
    """Booking a weekly series from the slot chosen: booked once, however often sent.

    The slot must be one of `starts` (the agent's window starts) in one of
    `weeks` (the booking weeks); `first` is the slot read. `holidays` is what
    the agent chose when the series meets a team day off: nothing yet (the
    panel warns and asks), `leave_out` or `keep`.
    """

    starts_at = HiddenField("Slot")
    holidays = HiddenField("Team days off", validators=[Optional(), AnyOf(HOLIDAY_CHOICES)])

    def __init__(self, *args, weeks: list[date] | None = None, starts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.weeks, self.starts = weeks or [], starts
        self.first: datetime | None = None

    def validate_starts_at(self, field) -> None:
        try:
            first = datetime.fromisoformat(field.data) if field.data else None
        except ValueError:
            first = None
        if first is not None and first.tzinfo is not None:
            first = None  # a slot is a wall time of the agent's zone, never an offset
        if message := series_start_problem(first, self.weeks, self.starts):
            raise ValidationError(message)
        self.first = first


class AnswersForm(FlaskForm):
    """The five questions; every answer is optional and kept as typed."""


for _key, _question in PLANNING_QUESTIONS.items():
    setattr(
        AnswersForm,
        _key,
        TextAreaField(
            _question,
            validators=[
                Optional(),
                Length(max=ANSWER_MAX, message=f"At most {ANSWER_MAX} characters."),
            ],
        ),
    )


class StatusForm(FlaskForm):
    status = SelectField("Status", choices=options(PLANNING_STATUSES.items()))


class MoveForm(FlaskForm):
    starts_at = DateTimeLocalField(
        "New date and time",
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        validators=[InputRequired("Give the new date and time.")],
    )


class LeadForm(CreateForm):
    """'Add as lead': the lead is added once, however often the form is sent."""

    name = StringField(
        "Name",
        validators=[DataRequired("Give the lead's name."), Length(max=200), one_line],
        filters=[lambda v: v.strip() if v else v],
    )
    contact = StringField("Phone or email", validators=[Optional(), Length(max=200), one_line])
    question = SelectField(
        "From the question",
        choices=options(
            [
                ("met_recently", "Met in the last seven days"),
                ("showing_soon", "Showing property in the next seven days"),
            ]
        ),
    )


class LeadStatusForm(FlaskForm):
    status = SelectField("Status", choices=options(LEAD_STATUSES.items()))


class HolidayForm(FlaskForm):
    """A team day off: a date and its name (one a day)."""

    day = DateField("Date", validators=[InputRequired("Give the date."), plausible_date])
    name = StringField(
        "Name",
        validators=[
            DataRequired("Give the day off a name, like Christmas Eve."),
            Length(max=HOLIDAY_NAME_MAX, message=f"At most {HOLIDAY_NAME_MAX} characters."),
            one_line,
        ],
        filters=[lambda v: v.strip() if v else v],
    )


class RemoveHolidayForm(FlaskForm):
    """Remove one day off, named by its date (a team has one a day)."""

    day = DateField("Date", validators=[InputRequired("Which day?")])
