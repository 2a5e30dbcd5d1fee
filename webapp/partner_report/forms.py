"""The partner's consent to the quarterly email."""

from flask_wtf import FlaskForm
from wtforms import BooleanField


class ConsentForm(FlaskForm):
    sends_quarterly_report = BooleanField("Email this report to the partner each quarter")
