"""Logging forms: an interaction or a referral, in seconds."""

from datetime import timedelta

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from rules.vocabulary import (
    DIRECTIONS,
    INTERACTION_KINDS,
    OUTCOMES,
    REFERRAL_DIRECTIONS,
    REFERRAL_STATUSES,
    SENTIMENTS,
)

from ..forms import CreateForm, FiniteDecimalField, SelectField, choices
from ..validation import one_line, plausible_date


class InteractionForm(FlaskForm):
    kind = SelectField("What", choices=choices(INTERACTION_KINDS), default="call")
    direction = SelectField("Direction", choices=choices(DIRECTIONS), default="outbound")
    outcome = SelectField(
        "Outcome", choices=choices(OUTCOMES, blank="—"), default="connected", validate_choice=True
    )
    sentiment = SelectField("How it went", choices=choices(SENTIMENTS), default="neutral")
    disrespectful = BooleanField("Disrespectful")
    at = DateTimeLocalField(
        "When",
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        validators=[InputRequired("Enter the date and time."), plausible_date],
    )
    minutes = IntegerField(
        "Minutes", validators=[Optional(), NumberRange(0, 24 * 60, "Between 0 and 1440 minutes.")]
    )
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=10000)])

    def __init__(self, *args, now=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._now = now

    def validate_at(self, field):
        if self._now and field.data and field.data > self._now + timedelta(hours=1):
            raise ValidationError("An interaction can't be logged in the future.")

    def validate_disrespectful(self, field):
        if field.data and self.sentiment.data != "negative":
            raise ValidationError("Only a negative interaction can be flagged as disrespectful.")

    def populate(self, interaction) -> None:
        interaction.kind = self.kind.data
        interaction.direction = self.direction.data
        interaction.outcome = self.outcome.data or None
        interaction.sentiment = self.sentiment.data
        interaction.disrespectful = bool(self.disrespectful.data)
        interaction.at = self.at.data.replace(second=0, microsecond=0)
        interaction.minutes = self.minutes.data
        interaction.notes = (self.notes.data or "").strip() or None


class NewInteractionForm(CreateForm, InteractionForm):
    """The log form: what it logs is logged once, however often it is sent."""


class ReferralForm(FlaskForm):
    # The partner page shows this form beside the interaction form: the fields
    # they share keep ids of their own, so that each label names its own field.
    direction = SelectField(
        "Direction",
        choices=choices(REFERRAL_DIRECTIONS),
        default="received",
        id="referral-direction",
    )
    client = StringField(
        "Client",
        validators=[DataRequired("Enter the client's name."), Length(max=200), one_line],
    )
    referred_on = DateField(
        "Referred on", validators=[InputRequired("Enter the date."), plausible_date]
    )
    status = SelectField("Status", choices=choices(REFERRAL_STATUSES), default="new")
    closed_on = DateField("Closed on", validators=[Optional(), plausible_date])
    commission = FiniteDecimalField(
        "Commission ($)",
        places=2,
        validators=[
            Optional(),
            NumberRange(0, 10_000_000, "Enter an amount between $0 and $10,000,000."),
        ],
    )
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=10000)], id="referral-notes")

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._today = today

    def validate_referred_on(self, field):
        if self._today and field.data and field.data > self._today:
            raise ValidationError("A referral can't be dated in the future.")

    def validate_closed_on(self, field):
        if field.data and self.referred_on.data and field.data < self.referred_on.data:
            raise ValidationError("It can't close before it was referred.")
        if field.data and self.status.data != "closed":
            raise ValidationError("Only a closed referral has a closing day.")

    def populate(self, referral) -> None:
        referral.direction = self.direction.data
        referral.client = self.client.data.strip()
        referral.referred_on = self.referred_on.data
        referral.status = self.status.data
        referral.closed_on = self.closed_on.data
        referral.commission = self.commission.data
        referral.notes = (self.notes.data or "").strip() or None


class NewReferralForm(CreateForm, ReferralForm):
    """The referral log form: what it logs is logged once, however often it is sent."""


class ReferralStatusForm(FlaskForm):
    status = SelectField("Status", choices=choices(REFERRAL_STATUSES))
