"""Agreements with partners: marketing services agreements and co-marketing
arrangements, kept as records (RESPA Section 8), not legal advice.

Listed and edited on the partner page (by whoever may see the partner: its
agent, the team's managers), every change audited; the `agreement_renewal`
rule says when one ends soon; a yearly CSV of the agreements in force, per
partner and (managers) for the team, for the compliance file.
"""

from flask import Blueprint

bp = Blueprint("agreements", __name__)

from . import panel, views  # noqa: E402,F401
