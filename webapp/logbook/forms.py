"""Logging forms: an interaction or a referral, in seconds."""

from datetime import timedelta
from decimal import Decimal

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
    FEE_DIRECTIONS,
    INTERACTION_KINDS,
    OUTCOMES,
    REFERRAL_DIRECTIONS,
    REFERRAL_STATUSES,
    SENTIMENTS,
    SPENDING_KINDS,
)

from ..forms import CreateForm, FiniteDecimalField, SelectField, choices
from ..validation import commission_amount, money_amount, one_line, plausible_date

SPENDING_LABELS = ", ".join(
    INTERACTION_KINDS[kind].lower() for kind in INTERACTION_KINDS if kind in SPENDING_KINDS
)


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
    amount_spent = FiniteDecimalField(
        "Amount spent",
        places=2,
        validators=[Optional(), money_amount],
        description=f"Optional: what it cost ({SPENDING_LABELS}).",
    )
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=10000)])
    # Shown once the amount was warned of: it takes the partner over the team's
    # yearly limit of things of value (webapp/ledger), and is saved only so.
    over_limit_confirmed = BooleanField(
        "Save it anyway: I know it passes the limit",
        description="Over the team's yearly limit of things of value: saved only when confirmed.",
    )

    def __init__(self, *args, now=None, partner=None, editing=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._now = now
        self._partner = partner  # the yearly limit is the partner's team's
        self._editing = editing  # the interaction corrected, whose amount is replaced
        self.limit_warning: str | None = None  # said beside the amount, nothing saved
        self.passes_limit = False  # valid, and over the limit knowingly

    def validate_amount_spent(self, field):
        if field.data is not None and self.kind.data not in SPENDING_KINDS:
            raise ValidationError(f"Only a {SPENDING_LABELS} has an amount spent.")
        # An amount refused already (negative, too large) has nothing to warn of.
        if self._partner is None or field.errors or self.at.errors or not self.at.data:
            return
        # Here, not at the top: the ledger's package (its pages) imports the logbook's.
        from ..ledger.record import limit_warning

        warning = limit_warning(self._partner, field.data, self.at.data.date(), self._editing)
        if warning is None:
            return
        if not self.over_limit_confirmed.data:
            self.limit_warning = warning
            raise ValidationError(f"{warning} Confirm below to save it anyway.")
        self.passes_limit = True

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
        interaction.amount_spent = self.amount_spent.data
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
        validators=[Optional(), commission_amount],
    )
    expected_close_on = DateField("Expected to close", validators=[Optional(), plausible_date])
    expected_commission = FiniteDecimalField(
        "Expected commission",
        places=2,
        validators=[Optional(), commission_amount],
    )
    fee_direction = SelectField(
        "Referral fee",
        choices=choices(FEE_DIRECTIONS, blank="No fee"),
        default="",
        # Checked in validate_fee_direction: a form sent without the field (an
        # edit from before fees) is one without a fee, not a wrong choice.
        validate_choice=False,
    )
    fee_percent = FiniteDecimalField(
        "Fee, % of the commission",
        places=2,
        validators=[Optional(), NumberRange(0, 100, "Enter a percentage from 0 to 100.")],
    )
    fee_amount = FiniteDecimalField("Fee, amount", places=2, validators=[Optional(), money_amount])
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

    def validate_fee_direction(self, field):
        if field.data and field.data not in FEE_DIRECTIONS:
            raise ValidationError("Not a valid choice.")
        given = self.fee_percent.data is not None or self.fee_amount.data is not None
        if field.data and not given:
            raise ValidationError("Enter the fee as a percentage of the commission or an amount.")
        if not field.data and given:
            raise ValidationError("Choose who pays the fee, or leave the fee out.")

    def validate_fee_percent(self, field):
        # Run when something was entered (Optional stops the chain otherwise); not
        # a number or out of range, it has its message already (and 1e309 has too
        # many digits to round to cents).
        if field.data is None or field.errors:
            return
        if field.data != field.data.quantize(Decimal("0.01")):
            raise ValidationError("Enter the percentage with at most two decimals.")
        if self.fee_amount.data is not None:
            raise ValidationError("Give the fee as a percentage or as an amount, not both.")

    def populate(self, referral) -> None:
        referral.direction = self.direction.data
        referral.client = self.client.data.strip()
        referral.referred_on = self.referred_on.data
        referral.status = self.status.data
        referral.closed_on = self.closed_on.data
        referral.commission = self.commission.data
        referral.expected_close_on = self.expected_close_on.data
        referral.expected_commission = self.expected_commission.data
        referral.fee_direction = self.fee_direction.data or None
        has_fee = referral.fee_direction is not None
        referral.fee_percent = self.fee_percent.data if has_fee else None
        referral.fee_amount = self.fee_amount.data if has_fee else None
        referral.notes = (self.notes.data or "").strip() or None


class NewReferralForm(CreateForm, ReferralForm):
    """The referral log form: what it logs is logged once, however often it is sent."""


class ReferralStatusForm(FlaskForm):
    status = SelectField("Status", choices=choices(REFERRAL_STATUSES))
