"""One flat fact record per partner, computed from its history as of a day.

Facts are plain JSON values so that both engines can read them: counts,
booleans, the tier, and dates as whole days relative to the as-of day
(`*_ago`: days before it; `*_in`: days after it). Something that never
happened is `NEVER` days ago, so "no X in the last N days" needs no special
case. Anything dated after the as-of day is ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

from .vocabulary import LIVE_CONTACT_KINDS

NEVER = 1_000_000
# How many of the most recent referrals (each direction) the facts carry:
# "at least K in the last N days" is "the K-th most recent is under N days old".
RECENT_REFERRALS = 10
THANKS_KINDS = frozenset({"thank_you", "gift"})
ANNUAL_DATE = re.compile(r"(?:([0-9]{4})-)?([0-9]{2})-([0-9]{2})")


@dataclass(frozen=True)
class PartnerRecord:
    id: int
    tier: str
    do_not_contact: bool = False
    met_on: date | None = None  # the day first recorded stands in when unknown
    birthday: str | None = None
    anniversary: str | None = None
    has_personal_details: bool = False
    commitment_made_on: date | None = None
    first_referral_by: date | None = None
    name: str = ""  # for the words of a reason only; no rule reads it
    profession: str = "other"
    # The partner's own keep-in-touch cadence, when set (rules/cadence.py).
    cadence_days: int | None = None
    cadence_max_days: int | None = None


class Touch(NamedTuple):
    """One logged interaction, as the rules see it."""

    at: datetime
    kind: str
    direction: str = "outbound"
    outcome: str | None = None
    disrespectful: bool = False


class ReferralRecord(NamedTuple):
    on: date
    direction: str
    client: str = ""


class SessionRecord(NamedTuple):
    starts_at: datetime
    status: str


class AgreementRecord(NamedTuple):
    """An agreement with the partner (marketing services, co-marketing), as the rules see it."""

    ends_on: date
    kind: str


class AnnualDate(NamedTuple):
    """A birthday or an anniversary: a day of the year, and the year when it is known."""

    year: int | None
    month: int
    day: int


def parse_annual_date(text: str | None) -> AnnualDate | None:
    """A birthday or anniversary as PartnerPlan keeps it: `YYYY-MM-DD`, or `MM-DD`
    when the year is unknown. None when the text is neither, or names a day that
    never was (`02-30`, `2025-02-29`); `02-29` without a year is a real birthday.

    The one reading of this text: the facts below, and every form and import
    that accepts one (webapp/validation.py), go through it.
    """
    match = ANNUAL_DATE.fullmatch(text or "")
    if match is None:
        return None
    year, month, day = (int(part) if part else None for part in match.groups())
    try:
        date(2000 if year is None else year, month, day)  # 2000 is a leap year: 02-29 passes
    except ValueError:
        return None
    return AnnualDate(year, month, day)


def days_until_next(day_text: str | None, as_of: date) -> int:
    """Days from `as_of` to the next `YYYY-MM-DD` or `MM-DD` anniversary (0 = today).

    29 February counts as 28 February in years that have none.
    """
    annual = parse_annual_date(day_text)
    if annual is None:
        return NEVER
    month, day = annual.month, annual.day
    for year in (as_of.year, as_of.year + 1):
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        on = date(year, month, 28 if (month, day) == (2, 29) and not leap else day)
        if on >= as_of:
            return (on - as_of).days
    return NEVER  # unreachable: next year always comes


@dataclass(frozen=True)
class TouchSummary:
    """What the facts need from a partner's logged interactions up to a day.

    The reference `summarise` folds the rows in Python; the web app computes
    the same summary in SQL (webapp/recommendations/facts.py), and a test
    holds the two to each other. An attempt at the very instant of the
    contact that ends its streak belongs to the streak that ended.
    """

    live_at: datetime | None = None  # last connected call, coffee, lunch, meeting...
    thanks_at: datetime | None = None  # last thank-you note or gift
    co_marketing_at: datetime | None = None
    disrespectful_at: datetime | None = None
    answered_at: datetime | None = None  # last inbound or connected touch
    reached_out_at: datetime | None = None  # last outbound touch
    # Outbound attempts with no response since `answered_at`, oldest first.
    unanswered: tuple[datetime, ...] = ()
    # Their voicemails and missed calls since `reached_out_at`, oldest first (at, kind).
    unreturned: tuple[tuple[datetime, str], ...] = ()


def answers(touch: Touch) -> bool:
    """A touch that ends a run of unanswered attempts."""
    return touch.direction == "inbound" or touch.outcome == "connected"


def attempt(touch: Touch) -> bool:
    """An outbound attempt nobody answered."""
    return touch.direction == "outbound" and touch.outcome == "no_response"


def awaits_return(touch: Touch) -> bool:
    """Their voicemail or missed call, waiting for us to call back."""
    return touch.direction == "inbound" and (
        touch.kind == "voicemail" or (touch.kind == "call" and touch.outcome == "no_response")
    )


def summarise(touches: Iterable[Touch], as_of: date) -> TouchSummary:
    """The reference summary of logged interactions, from the rows themselves."""
    touches = [t for t in touches if t.at.date() <= as_of]

    def last(keep) -> datetime | None:
        return max((t.at for t in touches if keep(t)), default=None)

    answered_at = last(answers)
    reached_out_at = last(lambda t: t.direction == "outbound")
    return TouchSummary(
        live_at=last(lambda t: t.kind in LIVE_CONTACT_KINDS and t.outcome == "connected"),
        thanks_at=last(lambda t: t.kind in THANKS_KINDS),
        co_marketing_at=last(lambda t: t.kind == "co_marketing"),
        disrespectful_at=last(lambda t: t.disrespectful),
        answered_at=answered_at,
        reached_out_at=reached_out_at,
        unanswered=tuple(sorted(t.at for t in touches if attempt(t) and after(t.at, answered_at))),
        unreturned=tuple(
            sorted(
                (t.at, t.kind) for t in touches if awaits_return(t) and after(t.at, reached_out_at)
            )
        ),
    )


def after(moment: datetime, since: datetime | None) -> bool:
    return since is None or moment > since


def partner_facts(
    partner: PartnerRecord,
    touches: Iterable[Touch],
    referrals: Iterable[ReferralRecord],
    sessions: Iterable[SessionRecord],
    as_of: date,
    agreements: Iterable[AgreementRecord] = (),
    cadences: Mapping[str, tuple[int, int]] | None = None,
) -> dict[str, object]:
    """The fact record of one partner as of a day, from its whole history."""
    touched = summarise(touches, as_of)
    return facts_of(partner, touched, referrals, sessions, as_of, agreements, cadences)


def facts_of(
    partner: PartnerRecord,
    touched: TouchSummary,
    referrals: Iterable[ReferralRecord],
    sessions: Iterable[SessionRecord],
    as_of: date,
    agreements: Iterable[AgreementRecord] = (),
    cadences: Mapping[str, tuple[int, int]] | None = None,
) -> dict[str, object]:
    """The fact record of one partner as of a day, from its summarised interactions.

    `cadences` (the team's cadence table) and the partner's own cadence give the
    cadence facts the rules read (rules/cadence.py).
    """
    # Imported here: rules.cadence reads NEVER from this module.
    from .cadence import cadence_facts, set_cadence

    def ago(day: date | datetime | None) -> int:
        if isinstance(day, datetime):
            day = day.date()
        return NEVER if day is None else (as_of - day).days

    referrals = sorted((r for r in referrals if r.on <= as_of), key=lambda r: r.on)
    sessions = list(sessions)
    # A held planning session is a connected, outbound meeting on its day.
    held = max(
        (s.starts_at for s in sessions if s.status == "held" and s.starts_at.date() <= as_of),
        default=None,
    )
    live = max((at for at in (touched.live_at, held) if at is not None), default=None)
    unanswered = [at for at in touched.unanswered if after(at, held)]
    unreturned = [(at, kind) for at, kind in touched.unreturned if after(at, held)]
    last_thanks = touched.thanks_at.date() if touched.thanks_at else None

    received = [r for r in referrals if r.direction == "received"]
    sent = [r for r in referrals if r.direction == "sent"]
    unthanked = [r for r in received if last_thanks is None or r.on > last_thanks]

    made_on, promised_by = partner.commitment_made_on, partner.first_referral_by
    has_commitment = (made_on is not None or promised_by is not None) and (
        made_on is None or made_on <= as_of
    )
    since_commitment = [r for r in received if made_on is None or r.on >= made_on]
    # The agreement that ends first among those not ended yet (ending today counts).
    ending = min((a for a in agreements if a.ends_on >= as_of), default=None)

    facts: dict[str, object] = {
        "tier": partner.tier,
        "do_not_contact": bool(partner.do_not_contact),
        "met_ago": ago(partner.met_on),
        "has_personal_details": bool(partner.has_personal_details),
        "birthday_in": days_until_next(partner.birthday, as_of),
        "anniversary_in": days_until_next(partner.anniversary, as_of),
        "live_contact_ago": ago(live),
        "co_marketing_ago": ago(touched.co_marketing_at),
        "disrespectful_ago": ago(touched.disrespectful_at),
        "unthanked_count": len(unthanked),
        "unthanked_first_ago": ago(unthanked[0].on if unthanked else None),
        "unthanked_first_client": unthanked[0].client if unthanked else "",
        "unreturned_count": len(unreturned),
        "unreturned_first_ago": ago(unreturned[0][0] if unreturned else None),
        "unreturned_first_kind": unreturned[0][1] if unreturned else "",
        "unanswered_count": len(unanswered),
        "unanswered_first_ago": ago(unanswered[0] if unanswered else None),
        "has_commitment": has_commitment,
        "commitment_made_ago": ago(made_on) if has_commitment else NEVER,
        "first_referral_by_ago": ago(promised_by) if has_commitment and promised_by else -NEVER,
        "received_since_commitment": len(since_commitment) if has_commitment else 0,
        "sessions_booked_ahead": sum(
            1 for s in sessions if s.status == "booked" and s.starts_at.date() >= as_of
        ),
        "agreement_ends_in": (ending.ends_on - as_of).days if ending else NEVER,
        "agreement_ending_kind": ending.kind if ending else "",
        "partner_name": partner.name,
    }
    for direction, rows in (("received", received), ("sent", sent)):
        newest_first = [r.on for r in reversed(rows)]
        for k in range(1, RECENT_REFERRALS + 1):
            facts[f"{direction}_{k}_ago"] = ago(newest_first[k - 1] if len(rows) >= k else None)
    cadence = set_cadence(
        partner.tier, partner.profession, cadences, (partner.cadence_days, partner.cadence_max_days)
    )
    facts.update(cadence_facts(facts["live_contact_ago"], cadence))
    return facts
