from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional

from ..api.tokens import LIFETIMES, SCOPES
from ..forms import SelectField, choices, stripped
from ..validation import one_line, phone_number


class ChangePasswordForm(FlaskForm):
    current = PasswordField(
        "Current password",
        validators=[DataRequired(message="Enter your current password."), Length(max=200)],
    )
    new = PasswordField(
        "New password",
        validators=[DataRequired(message="Choose a new password.")],
        description="At least 12 characters, hard to guess: a few unrelated words work well.",
    )


class EndSessionForm(FlaskForm):
    session_id = HiddenField(validators=[DataRequired()])


class ConfirmCodeForm(FlaskForm):
    code = StringField(
        "Code from the app",
        validators=[DataRequired(message="Enter the 6-digit code."), Length(max=20)],
    )


class TurnOffForm(FlaskForm):
    password = PasswordField(
        "Your password",
        validators=[DataRequired(message="Enter your password."), Length(max=200)],
    )


class CardForm(FlaskForm):
    phone = StringField(
        "Your phone",
        validators=[Optional(), Length(max=50), one_line, phone_number],
        description="On the card a new contact scans, with your name and email.",
    )


class NewTokenForm(FlaskForm):
    """A personal access token for the API (webapp/api/tokens.py)."""

    name = StringField(
        "Name",
        validators=[DataRequired("Say what the token is for."), Length(max=80), one_line],
        filters=[stripped],
        description="What it is for, e.g. “Spreadsheet sync”: the list shows it.",
    )
    scope = SelectField("Access", choices=choices(SCOPES), default="read")
    lifetime = SelectField("Expires after", choices=choices(LIFETIMES), default="90")
