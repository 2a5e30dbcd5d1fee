"""Adding and editing a partner's agreements, and the yearly compliance export."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_login import current_user, login_required

from rules.vocabulary import AGREEMENT_KINDS

from ..access import get_partner, manager_required
from ..extensions import db
from ..models import Agreement, Partner, record_audit
from ..query_args import chosen_year
from ..recommendations.reevaluation import reevaluate
from ..spreadsheet import csv_response
from ..templating import render
from . import bp
from .exports import agreements_csv
from .forms import AgreementForm
from .queries import get_agreement

FIELDS = (
    "kind", "starts_on", "ends_on", "fair_market_value", "our_share", "their_share", "document",
    "notes",
)  # fmt: skip


def snapshot(agreement: Agreement) -> dict:
    """The agreement's fields as the audit trail keeps them (JSON: days as text)."""
    values = {name: getattr(agreement, name) for name in FIELDS}
    return {name: str(value) if value is not None else None for name, value in values.items()}


def save(partner: Partner, agreement: Agreement | None, form: AgreementForm) -> Agreement:
    """Store a valid form as a new agreement or over `agreement`, audited; then
    the partner's rules see it (an end that comes close says so at once)."""
    before = snapshot(agreement) if agreement else None
    if agreement is None:
        agreement = Agreement(team_id=partner.team_id, partner_id=partner.id)
        db.session.add(agreement)
    form.populate_agreement(agreement)
    kind = AGREEMENT_KINDS[agreement.kind].lower()
    record_audit(
        partner.team_id,
        current_user,
        "agreement",
        f"{partner.name}: {kind} {'added' if before is None else 'changed'}",
        partner=partner,
        before=before,
        after=snapshot(agreement),
    )
    db.session.commit()
    reevaluate(partner, current_user)
    return agreement


def form_page(partner: Partner, agreement: Agreement | None):
    """The agreement form, new or edited: saved, back to the partner (303); refused,
    the errors beside their fields (422) and nothing stored."""
    form = AgreementForm(obj=agreement)
    if form.validate_on_submit():
        save(partner, agreement, form)
        flash("Agreement saved.", "success")
        return redirect(
            url_for("partners.detail", partner_id=partner.id, _anchor="panel-agreements"), 303
        )
    status = 422 if form.errors else 200
    return render("agreements/form.html", form=form, partner=partner, agreement=agreement), status


@bp.route("/partners/<int:partner_id>/agreements/new", methods=["GET", "POST"])
@login_required
def new(partner_id: int):
    """Record an agreement with the partner (its agent, or a manager)."""
    return form_page(get_partner(partner_id, current_user), None)


@bp.route("/partners/<int:partner_id>/agreements/<int:agreement_id>", methods=["GET", "POST"])
@login_required
def edit(partner_id: int, agreement_id: int):
    """Correct or extend an agreement; the audit trail keeps what it said before."""
    partner = get_partner(partner_id, current_user)
    return form_page(partner, get_agreement(partner, agreement_id))


@bp.get("/partners/<int:partner_id>/agreements.csv")
@login_required
def partner_export(partner_id: int):
    """The partner's agreements in force during the year, for the compliance file."""
    partner = get_partner(partner_id, current_user)
    year = chosen_year()
    text = agreements_csv(current_user, year, partner)
    return csv_response(text, f"partnerplan-agreements-{partner.id}-{year}.csv")


@bp.get("/agreements.csv")
@manager_required
def team_export():
    """Every agreement of the team in force during the year (managers)."""
    year = chosen_year()
    return csv_response(agreements_csv(current_user, year), f"partnerplan-agreements-{year}.csv")
