from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..forms import stripped
from ..validation import one_line
from .passwords import MAX_LENGTH, MIN_LENGTH

PASSWORD_HINT = f"At least {MIN_LENGTH} characters, hard to guess: a few unrelated words work well."


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    remember = BooleanField("Keep me logged in on this device")


class AcceptInvitationForm(FlaskForm):
    """The invitee's name (as the admin typed it, to correct) and their own password."""

    name = StringField(
        "Your name", validators=[DataRequired(), Length(max=200), one_line], filters=[stripped]
    )
    password = PasswordField(
        "Choose a password",
        validators=[DataRequired(), Length(max=MAX_LENGTH)],
        description=PASSWORD_HINT,
    )


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(max=MAX_LENGTH)],
        description=PASSWORD_HINT,
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)], filters=[stripped])


class CodeForm(FlaskForm):
    code = StringField(
        "Code",
        validators=[DataRequired(message="Enter the code."), Length(max=40)],
        description="The 6-digit code from your authenticator app, or one of your recovery codes.",
    )
