"""Today's page, and the count of what awaits the user beside its menu item."""

import sqlalchemy as sa
from flask import redirect, request, session, url_for
from flask_login import current_user, login_required

from .. import clock
from ..extensions import db
from ..models import Partner, User
from ..planning.agenda import coming_up
from ..query_args import id_arg
from ..recommendations.forms import DismissForm
from ..recommendations.outcomes import OUTCOMES, attempts
from ..recommendations.queries import open_count, recent_decisions, review_count, today_sections
from ..templating import EVERYONE, nav_item, render
from . import bp

nav_item("home.today", "Today", order=10, primary=EVERYONE)
# A section shows its most urgent items first (a phone screen's worth, twice
# over); the rest behind "Show all".
SECTION_SIZE = 10


@bp.app_context_processor
def today_badge():
    """`today_count()` and `review_count()` for the main menu, computed only
    when a page shows the menu."""

    def today_count() -> int:
        return open_count(current_user) if current_user.is_authenticated else 0

    def reviews() -> int:
        return review_count(current_user) if current_user.is_authenticated else 0

    return {"today_count": today_count, "review_count": reviews}


@bp.get("/")
def index():
    """The site's root is Today."""
    return redirect(url_for("home.today"))


def tell(message: str, token: str | None = None) -> None:
    """What an action on Today did, said once at the top of the list, with its Undo."""
    session["today_notice"] = {"message": message, "token": token}


def team_agents(user: User) -> list[User]:
    """Whom a manager's Today can be narrowed to: the team's active agents and
    anyone else who owns a partner."""
    owners = sa.select(Partner.owner_id).where(
        Partner.team_id == user.team_id, Partner.archived_at.is_(None)
    )
    return list(
        db.session.scalars(
            sa.select(User)
            .where(
                User.team_id == user.team_id,
                sa.or_(sa.and_(User.active.is_(True), User.role == "agent"), User.id.in_(owners)),
            )
            .order_by(User.name)
        )
    )


def today_page(show_all: bool = False, agent_id: int | None = None, changed: bool = False):
    """Today, whole or (htmx) its list alone. After an action on a card
    (`changed`) the list comes back whole, so that every count on the page
    follows, and the one beside the menu out of band. A manager may narrow it
    to one agent's partners (`agent_id`)."""
    day = clock.today(current_user.team.timezone)
    limit = None if show_all else SECTION_SIZE
    agents = team_agents(current_user) if current_user.is_manager else []
    if agent_id not in {agent.id for agent in agents}:
        agent_id = None
    sections = today_sections(current_user, day, limit, agent_id)
    awaiting = sum(
        section.total
        for name, section in sections.items()
        if name != "tier_changes" or current_user.is_manager
    )
    if agent_id is not None:  # the menu counts everything the user sees
        awaiting = open_count(current_user, day)
    shown = [row for section in sections.values() for row in section.rows]
    planning_day, planning = coming_up(current_user)
    return render(
        "home/today.html",
        block="recommendations",
        today=day,
        sections=sections,
        decisions=recent_decisions(current_user, day),
        dismiss_form=DismissForm(formdata=None),
        attempts=attempts(shown, day),
        outcomes=OUTCOMES,
        notice=session.pop("today_notice", None),
        limit=limit,
        agents=agents,
        agent_id=agent_id,
        changed=changed,
        today_count=lambda: awaiting,
        awaiting=awaiting,
        planning=planning,
        planning_day=planning_day,
    )


@bp.get("/today")
@login_required
def today():
    """Every open recommendation for the user's partners, most urgent first."""
    return today_page(show_all=bool(request.args.get("all")), agent_id=id_arg("agent"))
