from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    SelectChoice,
    StringField,
    URLField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from rules.vocabulary import ROLES

from .. import currency
from ..book.validation import normal_planning_hours, planning_hours_problem
from ..forms import (
    FiniteDecimalField,
    MultiCheckboxField,
    SelectField,
    TimeZoneField,
    choices,
    stripped,
)
from ..validation import currency_code, email_address, money_amount, one_line, time_zone
from ..webhooks import EVENTS
from ..webhooks import sender as webhook_sender

# WTForms 3.3 deprecates (value, label) tuples as choices.
ROLE_CHOICES = [SelectChoice(value, label) for value, label in ROLES.items()]


class InviteForm(FlaskForm):
    """Whom to invite: the invitee chooses their own password (and may correct the name)."""

    name = StringField(
        "Name", validators=[DataRequired(), Length(max=200), one_line], filters=[stripped]
    )
    email = EmailField(
        "Email",
        validators=[DataRequired(), Length(max=254), email_address],
        filters=[stripped],
    )
    role = SelectField("Role", choices=ROLE_CHOICES, default="agent")


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES)


class ReassignForm(FlaskForm):
    to_user = SelectField("Give the partners to", coerce=int, validate_choice=True)


class TeamSettingsForm(FlaskForm):
    commission_per_side = FiniteDecimalField(
        "Commission per side ($)",
        places=2,
        validators=[InputRequired(), NumberRange(min=0, max=9_999_999_999)],
        description="What the team usually earns on one side of a sale, e.g. 12000.",
    )
    currency = SelectField(
        "Currency",
        choices=[SelectChoice(code, text) for code, text in currency.choices()],
        validate_choice=False,  # currency_code says what is wrong, beside the field
        # DataRequired, not InputRequired: a form sent without the field (from
        # before the team had a currency) keeps the team's.
        validators=[DataRequired("Choose the team's currency."), currency_code],
        description="Amounts spent, commissions and fees are entered and shown in it.",
    )
    value_limit = FiniteDecimalField(
        "Yearly limit per partner for things of value",
        places=2,
        validators=[Optional(), money_amount],
        description="Optional: what one partner may be given in a calendar year (lunches, "
        "gifts, tickets…). Logging more warns before saving; blank: no limit.",
    )
    timezone = TimeZoneField(
        "Time zone",
        validators=[InputRequired("Choose the team's time zone."), time_zone],
        description="Dates and times show in this zone; the day changes at its midnight.",
    )
    require_two_factor = BooleanField(
        "Managers and admins must sign in with two-factor",
        description="They set it up right after their next sign-in, before anything else.",
    )
    planning_hours = StringField(
        "Planning-session hours",
        validators=[DataRequired(), Length(max=200)],
        description="Weekly windows for planning sessions, e.g. 'fri 13:00-16:00' "
        "(several: separate them with commas).",
    )

    def validate_planning_hours(self, field) -> None:
        problem = planning_hours_problem(normal_planning_hours(field.data))
        if problem:
            raise ValidationError(problem)


class WebhookForm(FlaskForm):
    """A new webhook endpoint: where to POST, and which events."""

    url = URLField(
        "Endpoint URL",
        validators=[DataRequired("Enter the URL to send the events to.")],
        filters=[stripped],
        description="https://, a server on the internet that answers 2xx within 10 seconds.",
    )
    events = MultiCheckboxField("Events to send", choices=choices(EVENTS))

    def validate_url(self, field) -> None:
        if problem := webhook_sender.url_problem(field.data):
            raise ValidationError(problem)

    def validate_events(self, field) -> None:
        if not field.data:
            raise ValidationError("Choose at least one event.")
