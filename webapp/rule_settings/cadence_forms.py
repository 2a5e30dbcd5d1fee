"""The cadence table (tier × profession) and the health weights, as a form."""

from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange, Optional

from rules.cadence import ANY_PROFESSION, CADENCE_TIERS, MAX_DAYS, MIN_DAYS, table_key
from rules.health import WEIGHTS
from rules.vocabulary import PROFESSIONS

# The cells of the table: each tier for any profession, then for each one.
CELLS = [
    (tier, profession) for tier in CADENCE_TIERS for profession in (ANY_PROFESSION, *PROFESSIONS)
]
DAYS_MESSAGE = f"Enter a whole number of days from {MIN_DAYS} to {MAX_DAYS}, or leave it blank."
WEIGHT_MESSAGE = "Enter a whole number from 0 to 100."


def field_name(tier: str, profession: str, which: str) -> str:
    return f"{tier}__{'any' if profession == ANY_PROFESSION else profession}__{which}"


class CadenceSettingsForm(FlaskForm):
    """Ideal and maximum days per cell (blank: not set), and the four weights."""

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for tier, profession in CELLS:
            ideal = self[field_name(tier, profession, "ideal")]
            maximum = self[field_name(tier, profession, "max")]
            if maximum.data is not None and not maximum.errors:
                if ideal.data is None and not ideal.errors:
                    maximum.errors = [*maximum.errors, "Give the ideal too, or leave both blank."]
                    valid = False
                elif ideal.data is not None and maximum.data < ideal.data:
                    maximum.errors = [
                        *maximum.errors,
                        f"The maximum cannot be under the ideal ({ideal.data} days).",
                    ]
                    valid = False
        fields = [self[f"weight_{name}"] for name in WEIGHTS]
        if not any(f.errors for f in fields):
            total = sum(f.data for f in fields)
            if total != 100:
                fields[0].errors = [
                    *fields[0].errors,
                    f"The weights add up to {total}: make it 100.",
                ]
                valid = False
        return valid


for _tier, _profession in CELLS:
    for _which, _label in (("ideal", "Ideal (days)"), ("max", "Maximum (days)")):
        setattr(
            CadenceSettingsForm,
            field_name(_tier, _profession, _which),
            IntegerField(
                _label,
                validators=[Optional(), NumberRange(MIN_DAYS, MAX_DAYS, message=DAYS_MESSAGE)],
                render_kw={"min": MIN_DAYS, "max": MAX_DAYS, "inputmode": "numeric"},
            ),
        )
for _name, _weight in WEIGHTS.items():
    setattr(
        CadenceSettingsForm,
        f"weight_{_name}",
        IntegerField(
            _weight.label,
            validators=[
                InputRequired(message=WEIGHT_MESSAGE),
                NumberRange(0, 100, message=WEIGHT_MESSAGE),
            ],
            render_kw={"min": 0, "max": 100},
        ),
    )


def form_data(table: dict[str, tuple[int, int]], weights: dict[str, int]) -> dict[str, int]:
    """The form's initial data from a cadence table and weights."""
    data: dict[str, int] = {f"weight_{name}": value for name, value in weights.items()}
    for tier, profession in CELLS:
        pair = table.get(table_key(tier, profession))
        if pair:
            data[field_name(tier, profession, "ideal")] = pair[0]
            data[field_name(tier, profession, "max")] = pair[1]
    return data


def form_table(form: CadenceSettingsForm) -> dict[str, tuple[int, int]]:
    """The cadence table the form says; a blank maximum is twice the ideal."""
    table = {}
    for tier, profession in CELLS:
        ideal = form[field_name(tier, profession, "ideal")].data
        maximum = form[field_name(tier, profession, "max")].data
        if ideal is not None:
            table[table_key(tier, profession)] = (ideal, maximum or min(2 * ideal, MAX_DAYS))
    return table


def form_weights(form: CadenceSettingsForm) -> dict[str, int]:
    return {name: form[f"weight_{name}"].data for name in WEIGHTS}
