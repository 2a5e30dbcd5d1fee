"""What each notification says, and to whom. Each is called where the thing happens,
after it is committed, and only stores the pushes (`sender.notify`): a job sends them.
`return_calls` alone stores them in the refresh's own transaction (see there).

- `return_calls`: a `return_call` recommendation was opened (an inbound
  voicemail or missed call, not returned) → the partner's owner, unless the
  owner logged that call themselves (they know), or it came in before today
  (an import of old history is not news).
- `morning`: the morning's count of what is to do, at the user's morning hour.
- `review_waiting`: an agent proposed a tier change → the team's managers.
- `decided`: a manager approved or rejected a tier change → the agent who
  proposed it, or else the partner's owner.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from urllib.parse import urlsplit

import sqlalchemy as sa

from rules.vocabulary import TIERS

from ..extensions import db
from ..links import absolute_url
from ..models import Interaction, Partner, Recommendation, User
from .sender import Notice, notify, plain, store_notice


def page(endpoint: str, **values) -> str:
    """A page's path: the service worker opens it on its own origin."""
    return urlsplit(absolute_url(endpoint, **values)).path


def return_calls(opened: Iterable[dict], as_of: date) -> int:
    """Push 'Return Rachel Kim's call' for each `return_call` row just opened (the
    refresh's rows: partner_id, due, reason) whose call came in on `as_of`.

    Stored in the refresh's transaction (`store_notice`): the refresh commits,
    then calls `sender.send_soon`."""
    fresh = {row["partner_id"]: row for row in opened if row["due"] == as_of}
    if not fresh:
        return 0
    partners = db.session.execute(
        sa.select(Partner.id, Partner.name, Partner.owner_id).where(Partner.id.in_(fresh))
    ).all()
    pushed = 0
    for partner_id, name, owner_id in partners:
        if _logged_by(partner_id) == owner_id:
            continue
        notice = Notice(
            title=plain(f"Return {name}'s call"),
            body=plain(fresh[partner_id]["reason"], 200),
            url=page("partners.detail", partner_id=partner_id),
            tag=f"return-call-{partner_id}",
        )
        pushed += store_notice([owner_id], notice, key=f"return_call:{partner_id}:{as_of}")
    return pushed


def _logged_by(partner_id: int) -> int | None:
    """Who logged the partner's latest inbound voicemail or missed call."""
    return db.session.scalar(
        sa.select(Interaction.user_id)
        .where(
            Interaction.partner_id == partner_id,
            Interaction.direction == "inbound",
            sa.or_(
                Interaction.kind == "voicemail",
                sa.and_(Interaction.kind == "call", Interaction.outcome == "no_response"),
            ),
        )
        .order_by(Interaction.at.desc(), Interaction.id.desc())
        .limit(1)
    )


def morning(user: User, day: date, headline: str) -> int:
    """'3 to do today (1 overdue)' on the user's devices, once a day."""
    notice = Notice(
        title=plain(headline),
        body="Open Today to see them.",
        url=page("home.today"),
        tag=f"morning-{day.isoformat()}",
    )
    return notify([user.id], notice, key=f"morning:{user.id}:{day.isoformat()}")


def review_waiting(recommendation: Recommendation, proposer: User) -> int:
    """An agent's proposal waits for a manager: every manager of the team hears of it."""
    managers = db.session.scalars(
        sa.select(User.id).where(
            User.team_id == recommendation.team_id,
            User.role.in_(("manager", "admin")),
            User.id != proposer.id,
        )
    ).all()
    partner, tier_to = recommendation.partner, TIERS.get(recommendation.tier_to or "", "")
    notice = Notice(
        title="A tier change to review",
        body=plain(f"{proposer.name} proposes moving {partner.name} to {tier_to}.", 200),
        url=page("desk.reviews"),
        tag=f"review-{recommendation.id}",
    )
    return notify(managers, notice, key=f"review:{recommendation.id}")


def decided(recommendation: Recommendation, manager: User) -> int:
    """'Rachel Kim's move to Maintain was approved', to whoever asked for it."""
    partner = recommendation.partner
    to = recommendation.proposed_by_id or partner.owner_id
    if to == manager.id:
        return 0
    tier_to = TIERS.get(recommendation.tier_to or "", "")
    said = f': "{recommendation.decision_reason}"' if recommendation.decision_reason else "."
    notice = Notice(
        title=plain(f"{partner.name}'s move to {tier_to} was {recommendation.status}"),
        body=plain(f"{manager.name} {recommendation.status} it{said}", 200),
        url=page("partners.detail", partner_id=partner.id),
        tag=f"decision-{recommendation.id}",
    )
    return notify([to], notice, key=f"decision:{recommendation.id}")
