"""The editor's form for one of the team's own rules.

The form gathers text; rules/team.py decides what is valid, and its
messages are put back beside the fields they concern.
"""

import re

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional

from rules import team
from rules.vocabulary import INTERACTION_KINDS, TIERS

from ..forms import choices

CONDITION_ROWS = team.MAX_CONDITIONS
WINDOW_CHOICE = "received_last_N_days"
FACT_CHOICES = choices(
    {
        **{name: fact.label for name, fact in team.FACTS.items()},
        WINDOW_CHOICE: team.WINDOW_FACT.label,
    },
    blank="(no condition)",
)
OPERATOR_CHOICES = choices(team.OPERATOR_WORDS)


class ConditionForm(Form):
    """One comparison: a fact, an operator, a constant (N for a window of referrals)."""

    fact = SelectField("Fact", choices=FACT_CHOICES, default="")
    days = IntegerField("N (days)", validators=[Optional()])
    op = SelectField("Is", choices=OPERATOR_CHOICES, default=">=")
    value = StringField("Value")


class TeamRuleForm(FlaskForm):
    name = StringField("Name")
    slug = StringField(
        "Id (team:…)", description="Lower-case letters, digits, hyphens; from the name when blank."
    )
    enabled = BooleanField("On", default=True)
    match = RadioField(
        "When",
        choices=choices({"all": "all of these hold", "any": "any of these holds"}),
        default="all",
    )
    conditions = FieldList(
        FormField(ConditionForm), min_entries=CONDITION_ROWS, max_entries=CONDITION_ROWS
    )
    recommends = RadioField(
        "Recommends",
        choices=choices({"action": "an action", "tier": "a tier move (for review)"}),
        default="action",
    )
    action = SelectField("Action", choices=choices(INTERACTION_KINDS), default="coffee")
    due_days = IntegerField("Due after (days)", default=0, validators=[Optional()])
    tier_to = SelectField("Move to", choices=choices(TIERS), default="cultivate")
    priority = IntegerField("Priority (lower comes first)", default=85, validators=[Optional()])
    reason = TextAreaField(
        "Reason",
        description="Placeholders: {name}, {tier}, {profession}, {live_contact_on}, "
        "{live_contact_days}…",
    )


def slug_of(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:35].strip("-")


def definition_of(form: TeamRuleForm) -> tuple[dict, dict[str, str]]:
    """The definition the form describes, and messages for what it cannot say."""
    errors: dict[str, str] = {}
    conditions = []
    for index, entry in enumerate(form.conditions.entries):
        row = entry.form
        if not row.fact.data:
            continue
        name = row.fact.data
        if name == WINDOW_CHOICE:
            low, high = team.WINDOW_DAYS
            if row.days.data is None or not low <= row.days.data <= high:
                errors[f"conditions-{index}-days"] = (
                    f"Enter N, a whole number from {low} to {high}."
                )
                continue
            name = f"received_last_{row.days.data}_days"
        fact = team.fact_of(name)
        value, message = team.constant(fact, row.value.data) if fact else (row.value.data, None)
        if message:
            errors[f"conditions-{index}-value"] = message
        conditions.append({"fact": name, "op": row.op.data, "value": value, "_row": index})
    tier_move = form.recommends.data == "tier"
    definition = {
        "slug": (form.slug.data or "").strip() or slug_of(form.name.data or ""),
        "name": (form.name.data or "").strip(),
        "enabled": bool(form.enabled.data),
        "match": form.match.data,
        "conditions": conditions,
        "action": None if tier_move else form.action.data,
        "due_days": 0 if tier_move else form.due_days.data,
        "tier_to": form.tier_to.data if tier_move else None,
        "priority": form.priority.data,
        "reason": (form.reason.data or "").strip(),
    }
    if form.priority.errors or form.priority.data is None:
        errors.setdefault("priority", "Enter a whole number from 1 to 999.")
    if not tier_move and (form.due_days.errors or form.due_days.data is None):
        errors.setdefault("due_days", "Enter a whole number from 0 to 365.")
    # Row numbers of the form, not of the kept conditions, name the fields.
    rows = [c.pop("_row") for c in conditions]
    for key, message in team.check(definition).items():
        if key.startswith("conditions-"):
            _, position, part = key.split("-")
            key = f"conditions-{rows[int(position)]}-{part}"
        errors.setdefault(key, message)
    return definition, errors


def show_errors(form: TeamRuleForm, errors: dict[str, str]) -> None:
    """Each message beside its field (a message with no field goes beside the name)."""
    for key, message in errors.items():
        if key.startswith("conditions-") and key.count("-") == 2:
            _, index, part = key.split("-")
            field = getattr(form.conditions.entries[int(index)].form, part)
        elif key == "conditions":
            field = form.conditions.entries[0].form.fact
        elif key == "recommends":
            field = form.recommends
        else:
            field = getattr(form, key, form.name)
        # Ours, in the domain's words, replaces the form's own ("Not a valid integer").
        field.errors = [message]


def form_data(definition: dict) -> dict:
    """The form's values for a stored definition (editing it)."""
    rows = []
    for condition in definition["conditions"]:
        match = team.WINDOW.fullmatch(condition["fact"])
        value = condition["value"]
        rows.append(
            {
                "fact": WINDOW_CHOICE if match else condition["fact"],
                "days": int(match.group(1)) if match else None,
                "op": condition["op"],
                "value": ("yes" if value else "no") if isinstance(value, bool) else str(value),
            }
        )
    rows += [{"fact": "", "days": None, "op": ">=", "value": ""}] * (CONDITION_ROWS - len(rows))
    return {
        **{k: definition[k] for k in ("slug", "name", "enabled", "match", "priority", "reason")},
        "conditions": rows,
        "recommends": "tier" if definition.get("tier_to") else "action",
        "action": definition.get("action") or "coffee",
        "due_days": definition.get("due_days", 0),
        "tier_to": definition.get("tier_to") or "cultivate",
    }
