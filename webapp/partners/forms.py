"""The partner form: every field of the record, validated beside each field."""

import re
from datetime import date

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from rules.vocabulary import CLIENT_TYPES, PROFESSIONS, SOURCES, TIERS

from .. import clock
from ..forms import MultiCheckboxField, SelectField, choices
from ..validation import one_line, plausible_date

ANNUAL_DATE = re.compile(r"^(?:(\d{4})-)?(\d{2})-(\d{2})$")
PHONE = re.compile(r"^[0-9+().\-\s]{5,50}$")


def parse_annual_date(text: str) -> str:
    """'1980-04-12' or '04-12' (year unknown); 29 Feb allowed without a year.

    Returns the normalised text; raises ValueError with a message for people.
    """
    match = ANNUAL_DATE.match(text.strip())
    if not match:
        raise ValueError("Use YYYY-MM-DD, or MM-DD when you don't know the year.")
    year, month, day = match.groups()
    try:
        date(int(year) if year else 2000, int(month), int(day))  # 2000 is a leap year
    except ValueError:
        raise ValueError("That day does not exist.") from None
    if year and not 1900 <= int(year) <= clock.utcnow().year:
        raise ValueError("The year looks wrong.")
    return text.strip()


class AnnualDateField(StringField):
    """A birthday or anniversary: full date, or month-day when the year is unknown."""

    def pre_validate(self, form):
        if self.data:
            try:
                self.data = parse_annual_date(self.data)
            except ValueError as error:
                raise ValidationError(str(error)) from None
        else:
            self.data = None


def valid_phone(form, field):
    if field.data and not PHONE.match(field.data):
        raise ValidationError("Use digits, spaces and + ( ) - only.")


def not_in_future(form, field):
    from flask_login import current_user

    if field.data and field.data > clock.today(current_user.team.timezone):
        raise ValidationError("The day you met can't be in the future.")


def text(label: str, max_length: int = 200, *extra):
    """A one-line text field (no line breaks: names, company, personal details)."""
    return StringField(label, validators=[Optional(), Length(max=max_length), one_line, *extra])


class PartnerForm(FlaskForm):
    name = StringField(
        "Name", validators=[DataRequired("Enter the partner's name."), Length(max=200), one_line]
    )
    company = text("Company")
    profession = SelectField("Profession", choices=choices(PROFESSIONS), default="other")
    email = EmailField(
        "Email",
        validators=[Optional(), Length(max=254), one_line, Email("That is not an email address.")],
    )
    phone = text("Phone", 50, valid_phone)
    source = SelectField("How you met", choices=choices(SOURCES, blank="—"), validate_choice=True)
    met_on = DateField("Day you met", validators=[Optional(), plausible_date, not_in_future])
    client_types = MultiCheckboxField("Clients they serve", choices=choices(CLIENT_TYPES))
    birthday = AnnualDateField("Birthday", validators=[Length(max=10)])
    anniversary = AnnualDateField("Anniversary", validators=[Length(max=10)])
    spouse = text("Spouse or partner")
    children = text("Children")
    pets = text("Pets")
    resident = text("Long-time resident or new in town")
    home = text("Renter or owner")
    favorite_restaurant = text("Favourite restaurant")
    hobbies = text("Hobbies", 500)
    in_common = text("What we have in common", 500)
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=10000)])
    do_not_contact = BooleanField("Do not contact")
    owner_id = SelectField("Agent", coerce=int, validate_choice=True)

    def populate_partner(self, partner) -> None:
        """Copy the cleaned fields onto the partner (blank text becomes None)."""
        for name, field in self._fields.items():
            if name in ("csrf_token", "owner_id"):
                continue
            value = field.data
            if isinstance(value, str):
                value = value.strip() or None
            if name == "source" and not value:
                value = None
            setattr(partner, name, value)
        partner.client_types = list(self.client_types.data or [])
        partner.email = partner.email.lower() if partner.email else None


class PartnerFilterForm(FlaskForm):
    """The list's search and filters (GET, no CSRF)."""

    class Meta:
        csrf = False

    q = StringField("Search", validators=[Optional(), Length(max=100)])
    tier = SelectField("Tier", choices=choices(TIERS, blank="All tiers"), validate_choice=False)
    profession = SelectField(
        "Profession", choices=choices(PROFESSIONS, blank="All professions"), validate_choice=False
    )
    owner = SelectField("Agent", choices=choices({}, blank="All agents"), validate_choice=False)
    sort = SelectField(
        "Sort by",
        choices=choices(
            {
                "name": "Name",
                "company": "Company",
                "tier": "Tier",
                "met": "Met (newest)",
                "recent": "Recently added",
            }
        ),
        default="name",
        validate_choice=False,
    )
    archived = BooleanField("Show archived")


class EraseForm(FlaskForm):
    """Erasing a partner's personal data asks for a deliberate tick: it cannot be undone."""

    confirm = BooleanField(
        "I understand: this partner's personal data is erased for good",
        validators=[DataRequired("Tick the box to confirm: the erasure cannot be undone.")],
    )
