from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import AnyOf, InputRequired, Length, Optional


class SnoozeForm(FlaskForm):
    # Sent by one of two buttons (name="until"): tomorrow or next week.
    until = StringField(
        "Snooze until",
        validators=[
            InputRequired(message="Choose when it should come back."),
            AnyOf(["tomorrow", "next_week"], message="Choose tomorrow or next week."),
        ],
    )
    next = HiddenField()


class DismissForm(FlaskForm):
    reason = StringField(
        "Why (optional)",
        validators=[Optional(), Length(max=500, message="Keep it under 500 characters.")],
    )
    next = HiddenField()


class OutcomeForm(FlaskForm):
    # Sent by one of the card's one-tap buttons (name="outcome").
    outcome = StringField(
        "Outcome",
        validators=[InputRequired(message="Choose what happened.")],
    )
    next = HiddenField()


class UndoForm(FlaskForm):
    token = HiddenField(validators=[InputRequired()])
    next = HiddenField()
