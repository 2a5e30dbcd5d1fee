"""The report as HTML, and as a one-page PDF rendered from that HTML by WeasyPrint.

The fonts are the DejaVu and Liberation families the project installs
(scripts/system-deps.sh): named in the stylesheet, so that the PDF looks the
same on every server and never falls back to whatever font is at hand.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import render_template

from ..models import Partner, User
from .numbers import QuarterFigures, quarter_figures
from .quarters import Quarter


@dataclass(frozen=True)
class Report:
    partner: Partner
    agent: User  # the partner's agent, who signs it
    quarter: Quarter
    figures: QuarterFigures


def report_for(partner: Partner, quarter: Quarter, user: User) -> Report:
    """The report of `partner` for `quarter`, its figures as `user` sees them."""
    return Report(partner, partner.owner, quarter, quarter_figures(partner, quarter, user))


def report_html(report: Report) -> str:
    """The page the PDF is printed from (also what the tests read)."""
    return render_template(
        "partner_report/report.html", report=report, display_zone=report.partner.team.timezone
    )


def report_pdf(report: Report) -> bytes:
    """The report as a one-page PDF (A4 and Letter both fit: the margins allow it)."""
    from weasyprint import HTML  # imported when used: it loads Pango, slow to start

    return HTML(string=report_html(report)).write_pdf()


def pdf_filename(report: Report) -> str:
    from ..links import file_slug

    return f"partnership-{file_slug(report.partner.name, 'partner')}-{report.quarter.key}.pdf"
