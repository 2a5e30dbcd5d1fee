"""The report's PDF, its preview with the partner's consent, and the unsubscribe page."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import clock
from ..access import get_partner
from ..extensions import csrf, db
from ..models import Partner, record_audit
from ..panels import partner_panel
from ..templating import render
from ..timefmt import format_date
from . import bp
from .document import pdf_filename, report_for, report_pdf
from .forms import ConsentForm
from .links import partner_of_token
from .message import email_html, held_back
from .quarters import Quarter

NO_EMAIL = "Add the partner's email address first: the report goes there."
STOPPED_BY_PARTNER = (
    "The partner stopped these emails themselves on {day}. Tick this only if they have "
    "asked for them again."
)


def chosen_quarter(partner: Partner) -> Quarter:
    """`?quarter=2026Q4`, or the team's current quarter; anything else is a 404."""
    key = request.args.get("quarter")
    if key is None:
        return Quarter.of(clock.today(partner.team.timezone))
    quarter = Quarter.parse(key)
    if quarter is None:
        abort(404)
    return quarter


@partner_panel("partner_report", "partner_report/_panel.html", order=46)
def report_panel(partner: Partner, user) -> dict:
    """The link to this quarter's report and whether it is emailed."""
    return {
        "partner": partner,
        "quarter": Quarter.of(clock.today(partner.team.timezone)),
        "held_back": held_back(partner),
    }


@bp.get("/partners/<int:partner_id>/report.pdf")
@login_required
def pdf(partner_id: int):
    """The one-page PDF of the quarter, for the partner's agent or a manager."""
    partner = get_partner(partner_id, current_user)
    report = report_for(partner, chosen_quarter(partner), current_user)
    return Response(
        report_pdf(report),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{pdf_filename(report)}"'},
    )


# The email's own page, framed by the preview: an email's styles are inline (mail
# clients keep no stylesheet), which the app's policy forbids, and a srcdoc frame
# would inherit that policy. Nothing runs in it and only the app may frame it.
EMAIL_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "frame-ancestors 'self'; form-action 'none'; base-uri 'none'"
)


def preview_page(partner: Partner, form: ConsentForm) -> str:
    return render(
        "partner_report/preview.html",
        partner=partner,
        quarter=chosen_quarter(partner),
        form=form,
    )


@bp.get("/partners/<int:partner_id>/report/email")
@login_required
def email(partner_id: int):
    """The quarter's email as the partner would read it, for the preview's frame."""
    partner = get_partner(partner_id, current_user)
    report = report_for(partner, chosen_quarter(partner), current_user)
    return email_html(report), {
        "Content-Security-Policy": EMAIL_POLICY,
        "X-Frame-Options": "SAMEORIGIN",
    }


# One rule for both methods: two rules on one path would answer 405, not 404, for
# an id no partner can have (werkzeug matches the other rule's path first).
@bp.route("/partners/<int:partner_id>/report", methods=["GET", "POST"])
@login_required
def preview(partner_id: int):
    """What the partner would get: the email as it reads and the PDF, then the
    consent box. The email is turned on from here only, so it is seen first."""
    partner = get_partner(partner_id, current_user)
    if request.method == "POST":
        return consent(partner)
    return preview_page(partner, ConsentForm(obj=partner))


def consent(partner: Partner):
    """Record that the partner agreed to (or no longer wants) the quarterly email, audited."""
    form = ConsentForm()
    if not form.validate_on_submit():
        return preview_page(partner, form), 422
    wanted = form.sends_quarterly_report.data
    if wanted and not partner.email:
        form.sends_quarterly_report.errors = [NO_EMAIL]
        return preview_page(partner, form), 422
    stopped = partner.report_unsubscribed_at
    if wanted and stopped and not form.asked_again.data:
        day = format_date(stopped, partner.team.timezone)
        form.asked_again.errors = [STOPPED_BY_PARTNER.format(day=day)]
        return preview_page(partner, form), 422
    if wanted != partner.sends_quarterly_report:
        partner.sends_quarterly_report = wanted
        if wanted:
            partner.report_unsubscribed_at = None
        record_audit(
            partner.team_id,
            current_user,
            "report_consent",
            f"{partner.name}: quarterly report {'on' if wanted else 'off'}"
            + (", asked for again after unsubscribing" if wanted and stopped else ""),
            partner=partner,
            before={"sends_quarterly_report": not wanted},
            after={"sends_quarterly_report": wanted},
        )
        db.session.commit()
    flash(
        "The report will be emailed each quarter." if wanted else "The report is not emailed.",
        "success",
    )
    return redirect(url_for("partners.detail", partner_id=partner.id), 303)


def partner_of_token_or_404(token: str) -> Partner:
    partner = partner_of_token(token)
    if partner is None:
        abort(404)
    return partner


@bp.get("/report/unsubscribe/<token>")
def unsubscribe(token: str):
    """The email's link: a page with one button (a GET changes nothing, since mail
    scanners open links before people do). No sign-in: the partner has none."""
    partner = partner_of_token_or_404(token)
    return render_template(
        "partner_report/unsubscribe.html", partner=partner, token=token, done=False
    )


@bp.post("/report/unsubscribe/<token>")
@csrf.exempt
def unsubscribe_now(token: str):
    """Stop the quarterly email: the page's button or a mail client's one-click
    POST (RFC 8058), which carries no CSRF token: the signed token is the proof.
    Audited once; sent again, it changes nothing."""
    partner = partner_of_token_or_404(token)
    if partner.sends_quarterly_report:
        partner.sends_quarterly_report = False
        partner.report_unsubscribed_at = clock.utcnow()
        record_audit(
            partner.team_id,
            None,
            "report_consent",
            f"{partner.name}: unsubscribed from the quarterly report",
            partner=partner,
            before={"sends_quarterly_report": True},
            after={"sends_quarterly_report": False},
        )
        db.session.commit()
    return render_template(
        "partner_report/unsubscribe.html", partner=partner, token=token, done=True
    )
