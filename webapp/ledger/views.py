"""A partner's things of value, year by year, and the yearly exports."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user, login_required

from ..access import get_partner, manager_required
from ..query_args import chosen_year
from ..spreadsheet import csv_response
from ..templating import render
from . import panel  # noqa: F401 (the partner page's panel registers itself)
from .exports import ledger_csv
from .queries import partner_year, standing

bp = Blueprint("ledger", __name__)


@bp.get("/partners/<int:partner_id>/things-of-value")
@login_required
def partner_ledger(partner_id: int):
    """Every thing of value given to the partner in the year, with the running
    total (its agent, or a manager; 404 for anyone else)."""
    partner = get_partner(partner_id, current_user)
    year = chosen_year()
    return render(
        "ledger/partner.html",
        partner=partner,
        year=year,
        rows=partner_year(partner, year),
        standing=standing(partner),
        limit=partner.team.value_limit,
    )


@bp.get("/partners/<int:partner_id>/things-of-value.csv")
@login_required
def partner_export(partner_id: int):
    """The partner's ledger of the year, for the compliance file."""
    partner = get_partner(partner_id, current_user)
    year = chosen_year()
    text = ledger_csv(current_user, year, partner)
    return csv_response(text, f"partnerplan-things-of-value-{partner.id}-{year}.csv")


@bp.get("/things-of-value.csv")
@manager_required
def team_export():
    """The ledger of the year of every partner of the team (managers)."""
    year = chosen_year()
    text = ledger_csv(current_user, year)
    return csv_response(text, f"partnerplan-things-of-value-{year}.csv")
