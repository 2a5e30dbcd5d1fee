"""The referral ledger, ROI per partner, seed 003's projection and the charts; the
partner book's CSV import in steps, the CSV exports and vCards."""

from __future__ import annotations

from decimal import Decimal

from flask import abort, redirect, request, url_for
from flask_login import current_user, login_required

from .. import charts, clock, contact
from ..access import get_partner
from ..extensions import db
from ..links import file_slug
from ..models import User
from ..partners.queries import team_agents
from ..query_args import id_arg
from ..spreadsheet import csv_response
from ..templating import nav_item, render
from . import bp, exports, queries
from . import partner_import as imports
from .forms import PeriodForm, ProjectionForm, UploadForm
from .partners_csv import (
    check_upload,
    mapping_form,
    owner_form,
    read_upload,
    render_mapping,
    render_preview,
    uploaded_table,
)

nav_item("referrals.index", "Referrals", order=40, primary=frozenset({"agent"}))

SORT_OPTIONS = {
    "net": "Net",
    "commission": "Commission",
    "spent": "Money spent",
    "cost_per_closed": "Cost per closed referral",
    "hours": "Time invested",
    "per_hour": "Commission per hour",
    "sent": "Referrals sent",
    "received": "Referrals received",
    "name": "Name",
}


def per_side() -> Decimal:
    return current_user.team.commission_per_side


def chosen_agent() -> User | None:
    """A manager may narrow the numbers to one agent's partners (?agent=<user id>).

    Agents see only their own partners anyway; an id from outside the team is ignored.
    """
    if not current_user.is_manager:
        return None
    agent_id = id_arg("agent")
    return next((user for user in team_agents(current_user) if user.id == agent_id), None)


def whose(agent: User | None) -> dict:
    """Context for the 'whose partners' filter and the headings."""
    if agent is not None:
        text = f"{agent.name}'s"
    else:
        text = "your team's" if current_user.is_manager else "your"
    agents = team_agents(current_user) if current_user.is_manager else []
    return {"agent": agent, "agents": agents, "whose": text, "Whose": text[0].upper() + text[1:]}


@bp.get("/")
@login_required
def index():
    """The ledger: referrals received vs sent, by status, closed commission, conversion."""
    agent = chosen_agent()
    ledger = queries.ledger(queries.partner_scope(current_user, agent), per_side())
    return render("referrals/index.html", ledger=ledger, per_side=per_side(), **whose(agent))


@bp.get("/roi")
@login_required
def roi():
    """Commission, money spent, fees, time invested and net over a chosen period,
    per partner and per agent; sortable by any of them."""
    sort = request.args.get("sort", "net")
    sort = sort if sort in queries.ROI_SORTS else "net"
    descending = request.args.get("dir", "asc" if sort == "name" else "desc") != "asc"
    today, agent = clock.today(current_user.team.timezone), chosen_agent()
    period = PeriodForm(request.args if "period" in request.args else None)
    valid = period.validate()
    rows, agents, start, end = [], [], None, None
    if valid:
        start, end = period.days(today)
        rows = queries.roi(current_user, per_side(), end, agent, start=start)
        agents = queries.sort_roi(queries.per_agent(rows), sort, descending)
        rows = queries.sort_roi(rows, sort, descending)
    html = render(
        "referrals/roi.html",
        "roi_table",
        rows=rows,
        agent_rows=agents,
        sort=sort,
        descending=descending,
        period=period,
        period_args=period.args() if valid else {},
        since=start,
        today=end,
        default_minutes=queries.DEFAULT_MINUTES,
        one_sided_sent=queries.ONE_SIDED_SENT,
        one_sided=sum(row.one_sided for row in rows),
        sort_options=SORT_OPTIONS,
        **whose(agent),
    )
    return html, 200 if valid else 422, {"Vary": "HX-Request"}


def projection_numbers(partners: int, rate: Decimal, cost_each: Decimal) -> dict:
    """Seed 003: N partners × rate closed deals a month × 12 × commission per side,
    less what a committed partner cost over the last 12 months (`cost_each`)."""
    per_partner = (rate * 12 * per_side()).quantize(Decimal("1"))
    net_per_partner = per_partner - cost_each
    return {
        "per_partner": per_partner,
        "total": per_partner * partners,
        "cost_each": cost_each,
        "net_per_partner": net_per_partner,
        "net_total": net_per_partner * partners,
    }


@bp.get("/projection")
@login_required
def projection():
    """'If each of your N committed partners brought one more closed deal a month.'"""
    agent, today = chosen_agent(), clock.today(current_user.team.timezone)
    cost, committed = queries.yearly_cost_of_committed(current_user, per_side(), today, agent)
    # What one committed partner cost a year, on average: the projection's net.
    cost_each = (cost / committed).quantize(Decimal("1")) if committed else Decimal(0)
    # Until the form is sent (a link, or only ?agent=), the defaults stand.
    sent = "partners" in request.args or "rate" in request.args
    form = ProjectionForm(request.args if sent else None, partners=committed, rate=Decimal(1))
    valid = form.validate() if sent else True
    numbers = projection_numbers(form.partners.data, form.rate.data, cost_each) if valid else None
    html = render(
        "referrals/projection.html",
        "projection",
        form=form,
        numbers=numbers,
        committed=committed,
        per_side=per_side(),
        **whose(agent),
    )
    return html, 200 if valid else 422


@bp.get("/charts")
@login_required
def charts_page():
    """Referrals per month, tier distribution over time, and top partners by commission."""
    today, agent = clock.today(current_user.team.timezone), chosen_agent()
    months = queries.last_months(today)
    monthly = queries.referrals_per_month(queries.partner_scope(current_user, agent), months)
    tiers = queries.tier_distribution(current_user, months, agent)
    top = queries.top_partners(current_user, per_side(), today, agent)
    return render(
        "referrals/charts.html",
        months=months,
        monthly=monthly,
        monthly_chart=charts.column_chart(
            months, list(monthly.values()), ["received", "sent"], queries.SERIES_LABELS
        ),
        tiers=tiers,
        tiers_chart=charts.column_chart(
            months,
            list(tiers.values()),
            ["maintain", "cultivate", "cease"],
            queries.SERIES_LABELS,
            stacked=True,
        ),
        top=top,
        top_chart=charts.ranking_chart([(row.name, row.commission) for row in top]),
        series_labels=queries.SERIES_LABELS,
        since=queries.window_start(today),
        **whose(agent),
    )


@bp.route("/partners-csv", methods=["GET", "POST"])
@login_required
def partners_csv():
    """Upload a spreadsheet or a vCard file of partners (step 1 of 3), and the CSV exports."""
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        raw = upload.read()
        try:
            read_upload(raw)
        except imports.CsvProblem as problem:
            form.file.errors.append(str(problem))
        else:
            token = imports.keep_upload(raw, upload.filename or "partners.csv", current_user)
            return redirect(url_for("referrals.import_mapping", token=token), code=303)
    status = 422 if form.errors else 200
    return render("referrals/partners_csv.html", form=form), status


@bp.get("/partners-csv/<token>")
@login_required
def import_mapping(token: str):
    """Step 2: which column feeds which partner field, guessed from the column names,
    and who will own the partners."""
    table, filename = uploaded_table(token)
    form = mapping_form(table.header, imports.guess_mapping(table.header))
    return render_mapping(token, table, filename, form, problems={})


@bp.route("/partners-csv/<token>/preview", methods=["GET", "POST"])
@login_required
def import_preview(token: str):
    """Step 3: every row as it would be imported, its errors with the cells to correct
    or a box to skip it, and a choice for each duplicate. The mapping step arrives
    here by GET; "Check again" posts the corrections back."""
    values = request.values
    table, filename, mapping, problems, rows = check_upload(token, values)
    if problems:
        form = mapping_form(table.header, mapping, values)
        return render_mapping(token, table, filename, form, problems, status=422)
    return render_preview(token, filename, mapping, rows, owner_form(values), values)


@bp.post("/partners-csv/<token>/import")
@login_required
def import_commit(token: str):
    """Import every row not skipped, or none: the file, the mapping and the corrections
    are checked again first, and a row still in error and not skipped stops it all.
    Sent twice (a double click), the second waits for the first and shows what it did."""
    if not imports.hold_upload(token, current_user):
        return redirect(url_for("referrals.import_done", token=token), code=303)
    try:
        return import_held(token)
    finally:
        imports.release_upload(token)


def import_held(token: str):
    """The import itself, while this request holds the upload."""
    table, filename, mapping, problems, rows = check_upload(token, request.form)
    form = owner_form(request.form)
    choices = {
        row.line: request.form.get(f"choice-{row.line}", "skip") for row in rows if row.duplicate
    }
    if problems or any(choice not in imports.CHOICES for choice in choices.values()):
        abort(400)
    skipped = imports.skipped_lines(request.form)
    unresolved = any(row.errors and row.line not in skipped for row in rows)
    if not form.validate_on_submit() or unresolved:
        return render_preview(token, filename, mapping, rows, form, request.form, status=422)
    owner = db.session.get(User, form.owner.data)
    outcome = imports.import_rows(rows, choices, skipped, owner, current_user, filename)
    db.session.commit()
    imports.keep_outcome(token, table.header, outcome)
    return redirect(url_for("referrals.import_done", token=token), code=303)


@bp.get("/partners-csv/<token>/done")
@login_required
def import_done(token: str):
    """What the import did, and the rows it left out as a CSV of their own."""
    done, filename = imports.load_outcome(token, current_user)
    return render("referrals/import_done.html", done=done, filename=filename, token=token)


@bp.get("/partners-csv/<token>/skipped.csv")
@login_required
def import_skipped(token: str):
    """The rows left out of an import, with why, to correct and import again."""
    done, filename = imports.load_outcome(token, current_user)
    text = imports.skipped_csv(done, current_user.team.timezone)
    name = file_slug(filename.rsplit(".", 1)[0], "partners") + "-skipped.csv"
    return csv_response(text, name)


@bp.get("/export/<any(partners, interactions, referrals):what>.csv")
@login_required
def export_csv(what: str):
    """Partners, interactions or referrals the user may see, as CSV for Excel."""
    text = exports.EXPORTS[what](current_user)
    return csv_response(text, f"partnerplan-{what}.csv")


@bp.get("/partners/<int:partner_id>/vcard")
@login_required
def vcard(partner_id: int):
    """One partner as a contact card (vCard 3.0) for the phone."""
    partner = get_partner(partner_id, current_user)
    return contact.vcard_response(contact.partner_vcard(partner), partner.name)


@bp.app_template_filter("compact_money")
def compact_money(value: Decimal) -> str:
    """$1,440,000 -> '$1.44M' (seed 003 speaks of "a million four")."""
    if abs(value) >= 1_000_000:
        return f"${value / 1_000_000:.2f}".rstrip("0").rstrip(".") + "M"
    return f"${value:,.0f}"


@bp.app_template_filter("month_name")
def month_name(month: str) -> str:
    """'2026-03' -> 'March 2026'."""
    from datetime import date

    return f"{date.fromisoformat(month + '-01'):%B %Y}"


@bp.app_template_filter("duration")
def duration(minutes: int) -> str:
    """195 -> '3 h 15 min'; 0 -> '0 min'."""
    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"
