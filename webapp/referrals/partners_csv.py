"""The partner book's import in steps: the forms and checks its views share.

The views (`partners_csv`, `import_mapping`, `import_preview`, `import_commit`,
`import_done`, `import_skipped`) and the CSV exports and vCards are in views.py.
"""

from __future__ import annotations

from flask_login import current_user
from wtforms import SelectChoice

from ..forms import SelectField
from ..partners.queries import team_agents
from ..templating import render
from . import partner_import as imports
from . import vcard_import
from .forms import OwnerForm


def read_upload(raw: bytes) -> imports.Table:
    """A CSV or a vCard file as a table of partners; CsvProblem when it cannot be read."""
    text = imports.decode_text(raw)
    if vcard_import.is_vcard(text):
        return vcard_import.read_vcards(text)
    return imports.parse_csv(text)


def uploaded_table(token: str):
    """The user's uploaded file, read again (it was readable when it was uploaded)."""
    raw, filename = imports.load_upload(token, current_user)
    return read_upload(raw), filename


def owners():
    """Agents import for themselves; a manager gives the partners to any active user of
    the team, and is asked which (no default: a manager's import is rarely their own)."""
    people = team_agents(current_user) if current_user.is_manager else [current_user]
    choices = [SelectChoice(person.id, person.name) for person in people]
    if current_user.is_manager:
        choices.insert(0, SelectChoice("", "— choose who will own them —"))
    return choices


def mapping_form(header: list[str], mapping: dict[str, int | None], formdata=None):
    """A select per partner field, listing the file's columns, and the owner (a GET
    form: it changes nothing, so no CSRF)."""
    from flask_wtf import FlaskForm

    class MappingForm(FlaskForm):
        class Meta:
            csrf = False

    columns = [SelectChoice("", "— not imported —")]
    columns += [SelectChoice(str(index), name) for index, name in enumerate(header)]
    for name, (label, _) in imports.FIELDS.items():
        setattr(MappingForm, f"map-{name}", SelectField(label, choices=columns, default=""))
    MappingForm.owner = SelectField("Owner of the imported partners", choices=owners())
    defaults = {
        f"map-{name}": "" if index is None else str(index) for name, index in mapping.items()
    }
    defaults["owner"] = "" if current_user.is_manager else str(current_user.id)
    return MappingForm(formdata=formdata, data=defaults)


def owner_form(formdata=None) -> OwnerForm:
    """The owner as the preview posts it back, with the CSRF token of the last steps."""
    form = OwnerForm(formdata=formdata, owner=None if current_user.is_manager else current_user.id)
    form.owner.choices = [choice for choice in owners() if choice.value != ""]
    return form


def owner_problem(values) -> str | None:
    """Whether the owner sent with the mapping is one the user may choose (an agent
    who sends none imports for themselves)."""
    allowed = {str(choice.value) for choice in owners() if choice.value != ""}
    owner = values.get("owner") or ("" if current_user.is_manager else str(current_user.id))
    if owner not in allowed:
        return "Choose who will own the imported partners."
    return None


def check_upload(token: str, values):
    """The upload read again with the mapping, the owner and the preview's fixes, each
    row checked; problems are the mapping's, by field."""
    table, filename = uploaded_table(token)
    mapping, problems = imports.read_mapping(values, table.header)
    if problem := owner_problem(values):
        problems["owner"] = problem
    table = imports.with_fixes(table, values)
    rows = [] if problems else imports.check_table(table, mapping, current_user)
    return table, filename, mapping, problems, rows


def render_mapping(token, table, filename, form, problems, status=200):
    for name, problem in problems.items():  # beside the field it is about
        form["owner" if name == "owner" else f"map-{name}"].errors = [problem]
    return render(
        "referrals/import_mapping.html",
        form=form,
        table=table,
        filename=filename,
        token=token,
        problems=problems,
    ), status


def render_preview(token, filename, mapping, rows, form, values, status=200):
    """The rows as they would be imported; `values` are those sent (choices, skips, fixes)."""
    skipped = imports.skipped_lines(values)
    choices = {row.line: values.get(f"choice-{row.line}", "skip") for row in rows if row.duplicate}
    unresolved = [row for row in rows if row.errors and row.line not in skipped]
    fixes = imports.read_fixes(values, imports.MAX_COLUMNS)
    chosen = [choice.label for choice in form.owner.choices if choice.value == form.owner.data]
    return render(
        "referrals/import_preview.html",
        token=token,
        filename=filename,
        mapping=mapping,
        rows=rows,
        form=form,
        owner=chosen[0] if chosen else "",
        choices=choices,
        skipped=skipped,
        fix_columns={
            row.line: imports.fix_columns(row, mapping, set(fixes.get(row.line, {})))
            for row in rows
            if row.errors or row.line in fixes
        },
        fields=imports.FIELDS,
        errors=len(unresolved),
        first_error=unresolved[0].line if unresolved else None,
        duplicates=sum(row.duplicate is not None for row in rows),
        importing=sum(
            row.line not in skipped
            and not row.errors
            and not (row.duplicate and choices[row.line] == "skip")
            for row in rows
        ),
    ), status
