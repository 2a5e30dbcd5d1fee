"""The partner form: every field of the record, validated beside each field."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from rules.vocabulary import CLIENT_TYPES, PROFESSIONS, SOURCES, TIERS

from ..forms import CreateForm, MultiCheckboxField, SelectField, choices, stripped
from ..validation import (
    annual_date,
    email_address,
    field_validator,
    one_line,
    past_date,
    phone_number,
    stored_email,
    tag_problem,
)
from .tags import as_text, parse_tags, set_tags


def text(label: str, max_length: int = 200, *extra, **options):
    """A one-line text field (no line breaks: names, company, personal details)."""
    validators = [Optional(), Length(max=max_length), one_line, *extra]
    return StringField(label, validators=validators, **options)


class TagsField(StringField):
    """Tags as text, separated by commas ("golf, BNI"); shown from the partner's
    tags. Once validated, `names` holds them as `tags.parse_tags` read them."""

    names: list[str] | None = None

    def process_data(self, value):
        self.data = as_text(value) if isinstance(value, list) else value

    def pre_validate(self, form) -> None:
        names, problem = parse_tags(self.data)
        if problem:
            raise ValidationError(problem)
        self.names = names


class PartnerForm(FlaskForm):
    name = StringField(
        "Name", validators=[DataRequired("Enter the partner's name."), Length(max=200), one_line]
    )
    company = text("Company")
    profession = SelectField("Profession", choices=choices(PROFESSIONS), default="other")
    email = EmailField("Email", validators=[Optional(), Length(max=254), one_line, email_address])
    phone = text("Phone", 50, phone_number)
    source = SelectField("How you met", choices=choices(SOURCES, blank="—"), validate_choice=True)
    met_on = DateField("Day you met", validators=[Optional(), past_date])
    client_types = MultiCheckboxField("Clients they serve", choices=choices(CLIENT_TYPES))
    # YYYY-MM-DD, or MM-DD when the year is unknown.
    birthday = text("Birthday", 10, annual_date, filters=[stripped])
    anniversary = text("Anniversary", 10, annual_date, filters=[stripped])
    spouse = text("Spouse or partner")
    children = text("Children")
    pets = text("Pets")
    resident = text("Long-time resident or new in town")
    home = text("Renter or owner")
    favorite_restaurant = text("Favourite restaurant")
    hobbies = text("Hobbies", 500)
    in_common = text("What we have in common", 500)
    tags = TagsField("Tags", validators=[Optional(), Length(max=1000)])
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=10000)])
    do_not_contact = BooleanField("Do not contact")
    owner_id = SelectField("Agent", coerce=int, validate_choice=True)

    def populate_partner(self, partner) -> None:
        """Copy the cleaned fields onto the partner (blank text becomes None)."""
        for name, field in self._fields.items():
            if name in ("csrf_token", "owner_id", "idempotency_key", "tags"):
                continue
            value = field.data
            if isinstance(value, str):
                value = value.strip() or None
            if name == "source" and not value:
                value = None
            setattr(partner, name, value)
        partner.client_types = list(self.client_types.data or [])
        partner.email = stored_email(partner.email)
        if self.tags.names is not None:  # validated: the tags as typed
            set_tags(partner, self.tags.names)


class NewPartnerForm(CreateForm, PartnerForm):
    """Adding a partner: the partner is added once, however often the form is sent."""


# The list's health filter: bands of the stored score, or overdue for contact.
HEALTH_BANDS = {
    "low": "Under 40",
    "fair": "40 to 69",
    "good": "70 and over",
    "overdue": "Overdue for contact",
}


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
                "health": "Health (lowest first)",
                "health_desc": "Health (highest first)",
            }
        ),
        default="name",
        validate_choice=False,
    )
    tag = SelectField("Tag", choices=choices({}, blank="All tags"), validate_choice=False)
    health = SelectField(
        "Health", choices=choices(HEALTH_BANDS, blank="Any health"), validate_choice=False
    )
    archived = BooleanField("Show archived")


class BulkTagForm(FlaskForm):
    """One tag added to, or removed from, the partners ticked on the list."""

    partner = SelectMultipleField(
        "Partners",
        coerce=int,
        validate_choice=False,
        validators=[DataRequired("Tick the partners to tag first.")],
    )
    tag = StringField(
        "Tag",
        validators=[
            DataRequired("Enter the tag to add or remove."),
            field_validator(tag_problem),
        ],
        filters=[lambda text: " ".join(text.split()) if isinstance(text, str) else text],
    )
    action = SelectField(
        "Action", choices=choices({"add": "Add tag", "remove": "Remove tag"}), default="add"
    )


class EraseForm(FlaskForm):
    """Erasing a partner's personal data asks for a deliberate tick: it cannot be undone."""

    confirm = BooleanField(
        "I understand: this partner's personal data is erased for good",
        validators=[DataRequired("Tick the box to confirm: the erasure cannot be undone.")],
    )
