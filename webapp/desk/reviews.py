"""The review queue: open tier changes of a team, and one partner's recent history."""

from dataclasses import dataclass
from datetime import date, datetime, time

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort

from rules.vocabulary import (
    DIRECTIONS,
    INTERACTION_KINDS,
    OUTCOMES,
    REFERRAL_DIRECTIONS,
    REFERRAL_STATUSES,
)

from ..extensions import db
from ..forms import EmptyForm
from ..models import Interaction, Partner, Recommendation, Referral, User
from .forms import RejectForm


@dataclass
class ReviewItem:
    """One row of the queue, with its own forms (prefixed so ids stay unique)."""

    recommendation: Recommendation
    approve_form: EmptyForm
    reject_form: RejectForm
    outcome: str | None = None  # set once decided (or found decided) in this request
    outcome_ok: bool = True

    @property
    def partner(self) -> Partner:
        return self.recommendation.partner


def review_item(
    recommendation: Recommendation, reject_form: RejectForm | None = None
) -> ReviewItem:
    """A queue row with empty forms, or with the reject form that was just submitted."""
    return ReviewItem(
        recommendation,
        EmptyForm(formdata=None, prefix=f"approve-{recommendation.id}"),
        reject_form or RejectForm(formdata=None, prefix=f"reject-{recommendation.id}"),
    )


def open_tier_changes(user: User) -> list[Recommendation]:
    """Every open tier change of the user's team, oldest first."""
    return list(
        db.session.scalars(
            sa.select(Recommendation)
            .join(Recommendation.partner)
            .where(
                Recommendation.team_id == user.team_id,
                Partner.team_id == user.team_id,
                Partner.archived_at.is_(None),
                Recommendation.kind == "tier_change",
                Recommendation.status == "open",
            )
            .options(
                so.contains_eager(Recommendation.partner).joinedload(Partner.owner),
                so.joinedload(Recommendation.proposed_by),
            )
            .order_by(Recommendation.created_at, Recommendation.id)
        ).unique()
    )


def get_tier_change(recommendation_id: int, user: User) -> Recommendation:
    """A tier change of the user's team, whatever its status; 404 otherwise."""
    recommendation = db.session.scalar(
        sa.select(Recommendation)
        .join(Recommendation.partner)
        .where(
            Recommendation.id == recommendation_id,
            Recommendation.team_id == user.team_id,
            Partner.team_id == user.team_id,
            Recommendation.kind == "tier_change",
        )
    )
    if recommendation is None:
        abort(404)
    return recommendation


@dataclass(frozen=True)
class HistoryEntry:
    on: date | datetime
    kind: str  # "interaction" or "referral"
    text: str
    by: str | None


def recent_history(partner: Partner, limit: int = 10) -> list[HistoryEntry]:
    """The partner's latest interactions and referrals, newest first."""
    interactions = db.session.scalars(
        sa.select(Interaction)
        .where(Interaction.partner_id == partner.id)
        .options(so.joinedload(Interaction.user))
        .order_by(Interaction.at.desc())
        .limit(limit)
    )
    referrals = db.session.scalars(
        sa.select(Referral)
        .where(Referral.partner_id == partner.id)
        .order_by(Referral.referred_on.desc())
        .limit(limit)
    )
    entries = [
        HistoryEntry(i.at, "interaction", _describe_interaction(i), i.user.name if i.user else None)
        for i in interactions
    ] + [HistoryEntry(r.referred_on, "referral", _describe_referral(r), None) for r in referrals]
    entries.sort(key=lambda entry: _moment(entry.on), reverse=True)
    return entries[:limit]


def _moment(value: date | datetime) -> datetime:
    """Referrals have a day, interactions a time: a day sorts as its start."""
    return value if isinstance(value, datetime) else datetime.combine(value, time.min)


def _describe_referral(referral: Referral) -> str:
    direction = REFERRAL_DIRECTIONS.get(referral.direction, referral.direction).lower()
    status = REFERRAL_STATUSES.get(referral.status, referral.status).lower()
    return f"Referral {direction}: {referral.client} ({status})"


def _describe_interaction(interaction: Interaction) -> str:
    parts = [
        INTERACTION_KINDS.get(interaction.kind, interaction.kind),
        DIRECTIONS.get(interaction.direction, interaction.direction).lower(),
    ]
    if interaction.outcome:
        parts.append(OUTCOMES.get(interaction.outcome, interaction.outcome).lower())
    if interaction.disrespectful:
        parts.append("disrespectful")
    elif interaction.sentiment:
        parts.append(interaction.sentiment)
    return ", ".join(parts)
