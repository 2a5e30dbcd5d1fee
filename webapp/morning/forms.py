from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice
from wtforms.validators import InputRequired, NumberRange, ValidationError

from ..forms import MultiCheckboxField, SelectField
from ..planning.slots import WEEKDAY_NAMES

HOURS = [SelectChoice(hour, f"{hour:02d}:00") for hour in range(24)]


class PreferencesForm(FlaskForm):
    """The morning email: on or off, which weekdays, from which hour."""

    morning_email = BooleanField("Send me the morning email")
    morning_days = MultiCheckboxField(
        "On these days",
        coerce=int,
        choices=[SelectChoice(day, name) for day, name in enumerate(WEEKDAY_NAMES)],
    )
    # Not a choice check: an hour out of range gets words that say which hours are.
    morning_hour = SelectField(
        "From",
        coerce=int,
        choices=HOURS,
        validate_choice=False,
        validators=[
            InputRequired("Choose an hour."),
            NumberRange(0, 23, "Choose an hour from 00:00 to 23:00."),
        ],
    )

    def validate_morning_days(self, field) -> None:
        if self.morning_email.data and not field.data:
            raise ValidationError("Choose at least one day, or turn the morning email off.")
