"""Today's page, and the count of what awaits the user beside its menu item."""

from flask import redirect, request, url_for
from flask_login import current_user, login_required

from .. import clock
from ..recommendations.forms import DismissForm
from ..recommendations.queries import open_count, recent_decisions, today_sections
from ..templating import nav_item, render
from . import bp

nav_item("home.today", "Today", order=10)
# A section shows its most urgent items first (a phone screen's worth, twice
# over); the rest behind "Show all".
SECTION_SIZE = 10


@bp.app_context_processor
def today_badge():
    """`today_count()` for the main menu, computed only when a page shows the menu."""

    def today_count() -> int:
        return open_count(current_user) if current_user.is_authenticated else 0

    return {"today_count": today_count}


@bp.get("/")
def index():
    """The site's root is Today."""
    return redirect(url_for("home.today"))


@bp.get("/today")
@login_required
def today():
    """Every open recommendation for the user's partners, most urgent first."""
    day = clock.today(current_user.team.timezone)
    limit = None if request.args.get("all") else SECTION_SIZE
    sections = today_sections(current_user, day, limit)
    awaiting = sum(
        section.total
        for name, section in sections.items()
        if name != "tier_changes" or current_user.is_manager
    )
    return render(
        "home/today.html",
        block="recommendations",
        today=day,
        sections=sections,
        decisions=recent_decisions(current_user, day),
        dismiss_form=DismissForm(formdata=None),
        limit=limit,
        today_count=lambda: awaiting,
    )
