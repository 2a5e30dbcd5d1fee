from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    SelectChoice,
    StringField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    ValidationError,
)

from rules.vocabulary import ROLES

from ..book.validation import normal_planning_hours, planning_hours_problem
from ..forms import FiniteDecimalField, SelectField, TimeZoneField, stripped
from ..validation import email_address, one_line, time_zone

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
