from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional

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
