"""The partner page's relationship health and keep-in-touch cadence: the score
as its parts, its 12-week trend, and the partner's own cadence (owner or manager)."""

from flask import flash, redirect, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length, Optional

from rules.cadence import MAX_DAYS, MIN_DAYS, cadence_of, default_maximum, parse_every

from .. import clock
from ..access import get_partner
from ..charts import sparkline
from ..extensions import db
from ..models import Partner, PartnerHealth, record_audit
from ..recommendations.health import trend
from ..recommendations.lifecycle import current_settings, refresh_partners
from ..recommendations.team_settings import team_cadences
from ..templating import render
from . import bp
from .page import partner_page

EVERY_HINT = 'Days, weeks or months: "21", "3 weeks", "every 2 months". Blank: the team\'s.'


class PartnerCadenceForm(FlaskForm):
    """The partner's own cadence: "every 3 weeks"; both blank for the team's."""

    every = StringField("Keep in touch every", validators=[Optional(), Length(max=30)])
    at_most = StringField("Overdue after", validators=[Optional(), Length(max=30)])

    def days(self) -> tuple[int | None, int | None] | None:
        """(ideal, maximum) in days, both None to clear; None with errors beside the fields."""
        ideal = maximum = None
        message = f"Say how often, from {MIN_DAYS} to {MAX_DAYS} days: {EVERY_HINT}"
        if (self.every.data or "").strip():
            ideal = parse_every(self.every.data)
            if ideal is None or not MIN_DAYS <= ideal <= MAX_DAYS:
                self.every.errors = [*self.every.errors, message]
        if (self.at_most.data or "").strip():
            maximum = parse_every(self.at_most.data)
            if maximum is None or not MIN_DAYS <= maximum <= MAX_DAYS:
                self.at_most.errors = [*self.at_most.errors, message]
            elif not self.every.errors and ideal is None:
                self.at_most.errors = [*self.at_most.errors, "Say how often first."]
            elif ideal is not None and maximum < ideal:
                self.at_most.errors = [
                    *self.at_most.errors,
                    f"It cannot be sooner than every {ideal} days.",
                ]
        if self.every.errors or self.at_most.errors:
            return None
        return ideal, (maximum or (default_maximum(ideal) if ideal else None))


def health_block(partner: Partner, form: PartnerCadenceForm | None = None) -> dict:
    """The health section's context: the stored score, the trend, the cadence in force."""
    _, thresholds = current_settings(partner.team_id)
    today = clock.today(partner.team.timezone)
    cadence = cadence_of(
        partner.tier,
        partner.profession,
        thresholds,
        team_cadences(partner.team_id),
        (partner.cadence_days, partner.cadence_max_days),
    )
    if form is None:
        form = PartnerCadenceForm(
            formdata=None,
            data={
                "every": f"{partner.cadence_days} days" if partner.cadence_days else "",
                "at_most": f"{partner.cadence_max_days} days" if partner.cadence_max_days else "",
            },
        )
    return {
        "health": db.session.get(PartnerHealth, partner.id),
        "health_trend": sparkline(trend(partner, today, thresholds)),
        "cadence": cadence,
        "cadence_form": form,
    }


@bp.post("/<int:partner_id>/cadence")
@login_required
def set_cadence(partner_id: int):
    """Set (or clear) the partner's own keep-in-touch cadence; audited; re-evaluated."""
    partner = get_partner(partner_id, current_user)  # the owner, or a manager: 404 otherwise
    form = PartnerCadenceForm()
    days = form.days() if form.validate() else None
    if days is None:
        context = partner_page(partner) | health_block(partner, form)
        return render("partners/detail.html", **context), 422
    before = {"cadence_days": partner.cadence_days, "cadence_max_days": partner.cadence_max_days}
    partner.cadence_days, partner.cadence_max_days = days
    after = {"cadence_days": partner.cadence_days, "cadence_max_days": partner.cadence_max_days}
    if before != after:
        words = f"every {days[0]} days (at most {days[1]})" if days[0] else "the team's"
        record_audit(
            partner.team_id,
            current_user,
            "cadence",
            f"{partner.name}: keep in touch {words}",
            partner=partner,
            before=before,
            after=after,
        )
    db.session.commit()
    refresh_partners(partner.team_id, [partner.id])
    flash("Cadence saved." if days[0] else "The team's cadence applies again.", "success")
    return redirect(url_for("partners.detail", partner_id=partner.id), 303)
