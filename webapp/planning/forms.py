from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

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
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from rules.vocabulary import LEAD_STATUSES, PLANNING_QUESTIONS, PLANNING_STATUSES

from .slots import WEEKDAY_NAMES

LOST_LEADS_QUESTIONS = ("met_recently", "showing_soon")
ANSWER_MAX = 5000


def options(pairs) -> list[SelectChoice]:
    """Select options (WTForms 3.3 deprecates plain tuples)."""
    return [SelectChoice(value, label) for value, label in pairs]


def valid_timezone(form, field) -> None:
    """A zone name zoneinfo knows ('America/New_York'); blank means the team's."""
    name = (field.data or "").strip()
    field.data = name or None
    if not name:
        return
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            "Not a time zone we know: use a name like America/New_York or Europe/London."
        ) from None
    if name not in available_timezones():
        raise ValidationError("Use a region name like America/Chicago.")


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

    def validate_ends(self, field) -> None:
        if not self.weekday.data:
            return
        if self.starts.data is None or field.data is None:
            raise ValidationError("Give both times of the window.")
        if field.data <= self.starts.data:
            raise ValidationError("The window must end after it starts.")


class PlanningSettingsForm(FlaskForm):
    windows = FieldList(FormField(WindowForm), min_entries=1, max_entries=14)
    session_minutes = IntegerField(
        "Session length (minutes)",
        validators=[
            InputRequired("Give the session length."),
            NumberRange(10, 180, "Between 10 and 180 minutes."),
        ],
    )
    timezone = StringField(
        "Time zone",
        validators=[Optional(), Length(max=64), valid_timezone],
        filters=[lambda v: v.strip() if v else v],  # absent from the form: None
    )


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


class BookForm(FlaskForm):
    starts_at = HiddenField("Slot", validators=[DataRequired("Pick a slot.")])


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


class LeadForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[DataRequired("Give the lead's name."), Length(max=200)],
        filters=[lambda v: v.strip() if v else v],
    )
    contact = StringField("Phone or email", validators=[Optional(), Length(max=200)])
    question = SelectField("From", choices=options((k, k) for k in LOST_LEADS_QUESTIONS))


class LeadStatusForm(FlaskForm):
    status = SelectField("Status", choices=options(LEAD_STATUSES.items()))
