"""The partner book's CSV import in steps: the forms and checks its views share.

The views (`partners_csv`, `import_mapping`, `import_preview`, `import_commit`)
and the CSV exports and vCards are in views.py.
"""

from __future__ import annotations

from flask_login import current_user
from wtforms import SelectChoice

from ..forms import SelectField
from ..partners.queries import team_agents
from ..templating import render
from . import partner_import as imports
from .forms import OwnerForm


def uploaded_table(token: str):
    """The user's uploaded file, read again (it was readable when it was uploaded)."""
    raw, filename = imports.load_upload(token, current_user)
    return imports.read_table(raw), filename


def mapping_form(header: list[str], mapping: dict[str, int | None], formdata=None):
    """A select per partner field, listing the file's columns (a GET form: no CSRF)."""
    from flask_wtf import FlaskForm

    class MappingForm(FlaskForm):
        class Meta:
            csrf = False

    columns = [SelectChoice("", "— not imported —")]
    columns += [SelectChoice(str(index), name) for index, name in enumerate(header)]
    for name, (label, _) in imports.FIELDS.items():
        setattr(MappingForm, f"map-{name}", SelectField(label, choices=columns, default=""))
    defaults = {
        f"map-{name}": "" if index is None else str(index) for name, index in mapping.items()
    }
    return MappingForm(formdata=formdata, data=defaults)


def owner_form(formdata=None) -> OwnerForm:
    """Agents import for themselves; a manager may pick any active user of the team."""
    form = OwnerForm(formdata=formdata, owner=current_user.id)
    people = team_agents(current_user) if current_user.is_manager else [current_user]
    form.owner.choices = [SelectChoice(person.id, person.name) for person in people]
    return form


def check_upload(token: str, values):
    table, filename = uploaded_table(token)
    mapping, problems = imports.read_mapping(values, table.header)
    rows = [] if problems else imports.check_table(table, mapping, current_user)
    return table, filename, mapping, problems, rows


def render_preview(token, filename, mapping, rows, form, choices, status=200):
    return render(
        "referrals/import_preview.html",
        token=token,
        filename=filename,
        mapping=mapping,
        rows=rows,
        form=form,
        choices=choices,
        fields=imports.FIELDS,
        errors=sum(bool(row.errors) for row in rows),
        duplicates=sum(row.duplicate is not None for row in rows),
    ), status
