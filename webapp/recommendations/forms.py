from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, StringField
from wtforms.validators import InputRequired, Length, Optional


class SnoozeForm(FlaskForm):
    until = RadioField(
        "Snooze until",
        choices=[("tomorrow", "Tomorrow"), ("next_week", "Next week")],
        validators=[InputRequired(message="Choose when it should come back.")],
    )
    next = HiddenField()


class DismissForm(FlaskForm):
    reason = StringField(
        "Why (optional)",
        validators=[Optional(), Length(max=500, message="Keep it under 500 characters.")],
    )
    next = HiddenField()
