"""The agreement form: every field validated beside itself, the pairs together."""

from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from rules.vocabulary import AGREEMENT_KINDS

from ..forms import SelectField, choices, stripped
from ..validation import (
    agreement_dates_problem,
    cost_share,
    document_reference,
    plausible_date,
    shares_problem,
)

SHARE_NEEDED = "Enter a whole percentage from 0 to 100."


class AgreementForm(FlaskForm):
    kind = SelectField("Kind", choices=choices(AGREEMENT_KINDS), validate_choice=True)
    starts_on = DateField(
        "Starts on", validators=[DataRequired("Enter the day it starts."), plausible_date]
    )
    ends_on = DateField(
        "Ends on", validators=[DataRequired("Enter the day it ends."), plausible_date]
    )
    fair_market_value = TextAreaField(
        "Fair market value", validators=[Optional(), Length(max=5000)], filters=[stripped]
    )
    our_share = IntegerField(
        "Our share of the cost (%)", validators=[InputRequired(SHARE_NEEDED), cost_share]
    )
    their_share = IntegerField(
        "Their share of the cost (%)", validators=[InputRequired(SHARE_NEEDED), cost_share]
    )
    document = StringField(
        "Signed document",
        validators=[
            DataRequired("Enter where the signed document is: a link or a note."),
            document_reference,
        ],
        filters=[stripped],
    )
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=10000)], filters=[stripped])

    def validate_ends_on(self, field) -> None:
        if message := agreement_dates_problem(self.starts_on.data, field.data):
            raise ValidationError(message)

    def validate_their_share(self, field) -> None:
        """The sum is said beside the second share, once each share is valid alone."""
        if self.our_share.errors:
            return
        if message := shares_problem(self.our_share.data, field.data):
            raise ValidationError(message)

    def populate_agreement(self, agreement) -> None:
        """Copy the cleaned fields (blank text becomes None)."""
        for name in (
            "kind",
            "starts_on",
            "ends_on",
            "fair_market_value",
            "our_share",
            "their_share",
            "document",
            "notes",
        ):
            value = getattr(self, name).data
            setattr(agreement, name, value or None if isinstance(value, str) else value)
        agreement.document = self.document.data


class YearForm(FlaskForm):
    """The compliance export's year (GET, no CSRF)."""

    class Meta:
        csrf = False

    year = IntegerField("Year", validators=[Optional()])
