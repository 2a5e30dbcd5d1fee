"""Referrals and ROI: what each partnership is worth.

The ledger (received vs sent, by status), ROI per partner, seed 003's
projection, charts, and the partner book's CSV import/export and vCards.
"""

from flask import Blueprint

bp = Blueprint("referrals", __name__, url_prefix="/referrals")

from . import panel, pipeline, views  # noqa: E402,F401
