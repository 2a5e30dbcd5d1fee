"""The partner book in and out: CSV import in steps, CSV exports, vCards."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, request, url_for
from flask_login import current_user, login_required
from wtforms import SelectChoice

from ..extensions import db
from ..forms import SelectField
from ..models import User
from ..partners.queries import get_partner, team_agents
from ..templating import render
from . import bp, exports
from . import partner_import as imports
from .forms import OwnerForm, UploadForm


@bp.route("/partners-csv", methods=["GET", "POST"])
@login_required
def partners_csv():
    """Upload a spreadsheet of partners (step 1 of 3), and the CSV exports."""
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        raw = upload.read()
        try:
            imports.read_table(raw)
        except imports.CsvProblem as problem:
            form.file.errors.append(str(problem))
        else:
            token = imports.keep_upload(raw, upload.filename or "partners.csv", current_user)
            return redirect(url_for("referrals.import_mapping", token=token), code=303)
    status = 422 if form.errors else 200
    return render("referrals/partners_csv.html", form=form), status


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


@bp.get("/partners-csv/<token>")
@login_required
def import_mapping(token: str):
    """Step 2: which column feeds which partner field, guessed from the column names."""
    table, filename = uploaded_table(token)
    form = mapping_form(table.header, imports.guess_mapping(table.header))
    return render(
        "referrals/import_mapping.html",
        form=form,
        table=table,
        filename=filename,
        token=token,
        problems={},
    )


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


@bp.get("/partners-csv/<token>/preview")
@login_required
def import_preview(token: str):
    """Step 3: every row as it would be imported, its errors, and a choice for duplicates."""
    table, filename, mapping, problems, rows = check_upload(token, request.args)
    if problems:
        form = mapping_form(table.header, mapping, request.args)
        for name, problem in problems.items():  # beside the field it is about
            form[f"map-{name}"].errors = [problem]
        html = render(
            "referrals/import_mapping.html",
            form=form,
            table=table,
            filename=filename,
            token=token,
            problems=problems,
        )
        return html, 422
    return render_preview(token, filename, mapping, rows, owner_form(), choices={})


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


@bp.post("/partners-csv/<token>/import")
@login_required
def import_commit(token: str):
    """Import every row, or none: the file and the mapping are checked again first."""
    table, filename, mapping, problems, rows = check_upload(token, request.form)
    form = owner_form(request.form)
    choices = {
        row.line: request.form.get(f"choice-{row.line}", "skip") for row in rows if row.duplicate
    }
    if problems or any(choice not in ("skip", "merge") for choice in choices.values()):
        abort(400)
    if not form.validate_on_submit() or any(row.errors for row in rows):
        return render_preview(token, filename, mapping, rows, form, choices, status=422)
    owner = db.session.get(User, form.owner.data)
    outcome = imports.import_rows(rows, choices, owner, current_user, filename)
    db.session.commit()
    imports.forget_upload(token)
    created = len(outcome.created)
    flash(
        f"Imported {created} new partner{'' if created == 1 else 's'} from {filename}; "
        f"{outcome.merged_rows} merged, {outcome.skipped} skipped.",
        "success",
    )
    return redirect(url_for("partners.index"), code=303)


@bp.get("/export/<any(partners, interactions, referrals):what>.csv")
@login_required
def export_csv(what: str):
    """Partners, interactions or referrals the user may see, as CSV for Excel."""
    text = exports.EXPORTS[what](current_user)
    return Response(
        text.encode("utf-8"),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="partnerplan-{what}.csv"'},
    )


@bp.get("/partners/<int:partner_id>/vcard")
@login_required
def vcard(partner_id: int):
    """One partner as a contact card (vCard 3.0) for the phone."""
    partner = get_partner(partner_id, current_user)
    filename = exports.download_name(partner.name, "vcf")
    return Response(
        exports.vcard(partner).encode("utf-8"),
        mimetype="text/vcard",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
