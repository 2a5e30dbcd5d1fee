"""A team's days, simulated through the HTTP boundary, with the invariants they keep.

`Simulation` takes a database with nothing in it, loads the demo team dated
to the first day (America/New_York, three agents, a manager, an admin, 62
partners with half a year of history) and a small second team in
Europe/London, then lives one day at a time:

1. the worker's jobs, as production runs them: whenever the clock moves
   (`at`), `flask jobs run-due` does what the worker's per-minute tick would
   have done by then: each team's nightly refresh at 02:00 team time, each
   user's morning email at their hour, sent through the outbox to a local
   SMTP server (aiosmtpd) that keeps every message;
2. the people's day, each through their own logged-in test client at the
   hour they would act (the clock frozen at that instant, an aware ISO time
   seen by each team in its own zone): agents work their Today (Done,
   Snooze, Dismiss), log calls (some unanswered), voicemails left for them,
   a disrespectful call now and then, coffees and referrals; commit partners
   and book planning series; mark sessions held or skipped and note leads;
   add new partners; the manager approves and rejects tier changes and now
   and then tunes a threshold.

Everything is drawn from one `random.Random(seed)`: the same seed lives the
same year. What the simulation created through the HTTP boundary is kept in
its own ledger, which the invariants compare with the database.

The invariants (`check_*`) are plain functions that raise AssertionError
naming the day and what differs; `tests/test_year.py` runs them.
"""

from __future__ import annotations

import html
import logging
import random
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from aiosmtpd.controller import Controller
from flask import Flask

from rules.catalogue import RULES_BY_ID
from tests.access_table import ACCESS
from tests.helpers import PASSWORD, make_user
from tests.mailbox import Inbox, free_port
from tests.routes import (
    OBJECT_PARAMS,
    Owned,
    access_of,
    build_url,
    may_reach,
    rule_id,
    rules_of,
    url_params,
)
from tests.simulation_features import TEAM_RULE, Features
from webapp import clock
from webapp.demo import DEMO_PASSWORD, load_demo
from webapp.extensions import db
from webapp.jobs.periodic import due
from webapp.models import (
    AuditEvent,
    Interaction,
    Lead,
    Partner,
    PlanningSession,
    Recommendation,
    Referral,
    RuleSettings,
    Team,
    User,
)
from webapp.recommendations import lifecycle, queries

START = date(2027, 12, 20)  # crosses a year end, 29 Feb 2028 and 12 Mar 2028 (DST) in 120 days
HOME = "America/New_York"
AWAY = "Europe/London"
NIGHTLY_AT = time(2, 0)
LEAP_PARTNER = "Leap Day Lee"
# The life cycle's promise, restated here rather than read from the code it checks:
# "done" keeps a rule quiet for a week while its facts are unchanged.
DONE_QUIET_DAYS = 7

# The Today page: one item per recommendation, with its Done link for actions.
ITEM = re.compile(r'<li id="recommendation-(\d+)" class="recommendation"[^>]*>(.*?)</li>', re.S)
DONE_LINK = re.compile(r'href="(/logbook/partners/(\d+)/interactions/new\?[^"]*)"')
REVIEW_APPROVE = re.compile(r'action="/desk/reviews/(\d+)/approve"')
SLOT = re.compile(r'name="starts_at" value="([0-9T:-]+)"')
NUMBER_INPUT = re.compile(r'<input id="(\w+)"[^>]*type="number" value="(\d+)"')


@dataclass(frozen=True)
class Person:
    """Someone of a team who uses PartnerPlan, as the access rules see them."""

    key: str
    email: str
    role: str
    id: int
    team_id: int
    timezone: str
    name: str

    @property
    def is_manager(self) -> bool:
        return self.role in ("manager", "admin")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass
class Ledger:
    """What the simulation made through the HTTP boundary, by team and kind,
    on top of what the teams started with."""

    counts: Counter = field(default_factory=Counter)
    actions: Counter = field(default_factory=Counter)  # what people did, for the report
    tiers: dict[int, str] = field(default_factory=dict)  # each partner's initial tier

    def add(self, team_id: int, kind: str, n: int = 1) -> None:
        self.counts[team_id, kind] += n


@dataclass
class DayRow:
    """One line of the day-by-day summary."""

    day: date
    open_per_agent: dict[str, int]
    tiers: dict[str, int]
    emails: int
    actions: dict[str, int]

    def line(self) -> str:
        agents = " ".join(f"{name.split()[0]}={n}" for name, n in self.open_per_agent.items())
        tiers = " ".join(f"{t}={self.tiers.get(t, 0)}" for t in ("maintain", "cultivate", "cease"))
        done = " ".join(f"{k}={v}" for k, v in sorted(self.actions.items()))
        return (
            f"{self.day:%Y-%m-%d %a}  open: {agents}  tiers: {tiers}  emails: {self.emails}  {done}"
        )


class DayFailed(AssertionError):
    pass


def instant(day: date, at: time, timezone: str) -> str:
    """An aware ISO instant: `at` on `day` in `timezone` (what PARTNERPLAN_NOW takes)."""
    return datetime.combine(day, at, ZoneInfo(timezone)).isoformat(timespec="minutes")


class Simulation(Features):
    """Two teams living day after day through the Flask test client."""

    def __init__(self, app: Flask, seed: int = 2028, start: date = START, days: int = 120):
        self.app, self.rng, self.start = app, random.Random(seed), start
        # The manager switches the team rule off half way (by day 40 at the latest).
        self.team_rule_off = start + timedelta(days=max(3, min(40, days // 2)))
        self.day = start
        self.ledger = Ledger()
        self.people: dict[str, Person] = {}
        self.clients: dict[str, object] = {}
        self.errors: list[str] = []
        self.rows: list[DayRow] = []
        self.decided_today: Counter = Counter()
        self._handler = _Collect(self.errors)
        app.logger.addHandler(self._handler)
        # The team's mail server: every email the outbox sends lands here.
        self.inbox, port = Inbox(), free_port()
        self._smtp = Controller(self.inbox, hostname="127.0.0.1", port=port)
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
        self.ticking = False  # the worker starts once both teams exist
        self.emails_by_day: Counter = Counter()
        self.mornings_sent: set[tuple[str, date]] = set()

    def stop(self) -> None:
        if self.ticking:
            self._smtp.stop()
        self.app.logger.removeHandler(self._handler)

    # --- the clock and the boundary ----------------------------------------------------
    def at(self, day: date, hour: int, minute: int = 0, timezone: str = HOME) -> None:
        """Freeze the one clock at that wall time of `timezone` on `day`; the worker
        catches up what falls due by then."""
        self.app.config["PARTNERPLAN_NOW"] = instant(day, time(hour, minute), timezone)
        if self.ticking:
            self.tick()

    def tick(self) -> None:
        """`flask jobs run-due` at the clock's instant: what the worker's per-minute tick
        would have done by now. Each user whose morning email falls due in this run has
        their Today read first, as the job will see it, to check the email against."""
        with self.app.app_context():
            mornings = [
                team.id
                for team in db.session.scalars(sa.select(Team))
                if any(
                    job.name == "morning_email" for job, _ in due(team, clock.now(team.timezone))
                )
            ]
            db.session.remove()
        expected = {}
        for team_id in mornings:
            expected.update(self.expected_mornings(team_id))
        before = len(self.inbox.messages)
        self.cli("jobs", "run-due")
        received = self.received_reports(self.inbox.messages[before:])
        check_morning_emails(self, expected, received)
        self.emails_by_day[self.day] += len(received)

    def request(self, who: str, method: str, url: str, **kwargs):
        """One request by `who`, in its own app context as in production; a 5xx fails."""
        now = self.app.config["PARTNERPLAN_NOW"]
        try:
            with self.app.app_context():
                response = self.clients[who].open(url, method=method, **kwargs)
                response.close()
        except Exception as error:  # TESTING propagates what would be a 500
            raise DayFailed(
                f"{self.day}: {method} {url} by {who} at {now} failed (a 500): "
                f"{type(error).__name__}: {error}"
            ) from error
        if response.status_code >= 500:
            raise DayFailed(f"{self.day}: {method} {url} by {who} at {now} answered "
                            f"{response.status_code}")  # fmt: skip
        return response

    def get(self, who: str, url: str, **kwargs):
        return self.request(who, "GET", url, **kwargs)

    def post(self, who: str, url: str, data: dict, expect: tuple[int, ...] = (302, 303)):
        response = self.request(who, "POST", url, data=data)
        if response.status_code not in expect:
            raise DayFailed(
                f"{self.day}: POST {url} by {who} answered {response.status_code}, "
                f"expected {expect}: {_text(response)[:600]}"
            )
        return response

    def cli(self, *args: str):
        with self.app.app_context():
            result = self.app.test_cli_runner().invoke(args=list(args))
        if result.exit_code != 0:
            error = result.exception
            raise DayFailed(
                f"{self.day}: `flask {' '.join(args)}` failed (exit {result.exit_code}): "
                f"{type(error).__name__}: {error}\n{result.output[-600:]}"
            ) from error
        return result

    # --- the teams -------------------------------------------------------------------------
    def begin(self) -> None:
        """The demo team as of the first day, a second team abroad, everyone logged in."""
        # Everyone stays signed in all year: the year is about the book, and
        # sessions that end are tested on their own (tests/test_sessions.py).
        self.app.config.update(SESSION_IDLE_DAYS=10_000, SESSION_ABSOLUTE_DAYS=10_000)
        self.at(self.start, 7)
        with self.app.app_context():
            load_demo()
            home = db.session.scalar(sa.select(Team).where(Team.name == "Demo Realty"))
            away = Team(
                name="Thames Referral Partners", timezone=AWAY, planning_hours="tue 09:00-11:00"
            )
            db.session.add(away)
            db.session.flush()
            make_user(away, "olivia@thames.example", "manager", "Olivia Hart")
            make_user(away, "george@thames.example", "agent", "George Ames")
            db.session.commit()
            for user in db.session.scalars(sa.select(User).order_by(User.id)):
                key = user.email.split("@")[0].split(".")[0]
                if user.team_id == away.id:
                    key = f"{key}@thames"
                team = home if user.team_id == home.id else away
                self.people[key] = Person(
                    key, user.email, user.role, user.id, user.team_id, team.timezone, user.name
                )
            self.home_id, self.away_id = home.id, away.id
            for partner_id, tier in db.session.execute(sa.select(Partner.id, Partner.tier)):
                self.ledger.tiers[partner_id] = tier
        for key, person in self.people.items():
            self.clients[key] = self.app.test_client()
            password = DEMO_PASSWORD if person.team_id == self.home_id else PASSWORD
            response = self.post(key, "/auth/login", {"email": person.email, "password": password})
            assert response.headers["Location"] == "/today", f"{key} could not log in"
        self._found_the_away_team()
        self._leap_day_partner()
        self.start_worker()
        self.begin_features()

    def start_worker(self) -> None:
        """From now on the worker's jobs run as the clock moves, and mail is received."""
        self._smtp.start()
        self.ticking = True

    def person_by_email(self, email: str) -> Person:
        return next(person for person in self.people.values() if person.email == email)

    def team_people(self, team_id: int, role: str | None = None) -> list[Person]:
        return [
            p for p in self.people.values() if p.team_id == team_id and (role in (None, p.role))
        ]

    def _found_the_away_team(self) -> None:
        """George brings his book over: eight partners, met over the past months."""
        self.at(self.start, 9, 0, AWAY)
        names = ["Harriet Cole", "Ian Brook", "Jas Patel", "Kofi Mensah", "Lena Fox",
                 "Maud Ellis", "Nell Price", "Owen Hale"]  # fmt: skip
        for n, name in enumerate(names):
            met = self.start - timedelta(days=20 + 15 * n)
            partner_id = self.new_partner("george@thames", name, met, profession="lender")
            for weeks in range(n % 4):
                moment = datetime.combine(met + timedelta(weeks=weeks + 1), time(11))
                self.log(partner_id, "george@thames", "call", at=moment)

    def _leap_day_partner(self) -> None:
        """Sam meets someone born on 29 Feb; the manager puts her in Maintain."""
        self.at(self.start, 10)
        partner_id = self.new_partner(
            "agent", LEAP_PARTNER, self.start - timedelta(days=400), birthday="1988-02-29"
        )
        self.leap_partner_id = partner_id
        self.post(
            "manager",
            f"/desk/partners/{partner_id}/tier",
            {"tier-tier": "maintain", "tier-reason": "A friend of the team for years."},
        )

    # --- what people do ---------------------------------------------------------------------
    def new_partner(self, who: str, name: str, met_on: date, **fields) -> int:
        person = self.people[who]
        data = {
            "name": name,
            "profession": fields.pop("profession", "other"),
            "source": "introduction",
            "met_on": met_on.isoformat(),
            "owner_id": str(person.id),
            **fields,
        }
        response = self.post(who, "/partners/new", data)
        partner_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
        self.ledger.add(person.team_id, "partners")
        self.ledger.tiers[partner_id] = "cultivate"
        return partner_id

    def log(self, partner_id: int, who: str, kind: str, *, at: datetime | None = None,
            direction: str = "outbound", outcome: str = "connected", sentiment: str = "neutral",
            disrespectful: bool = False, recommendation_id: int | None = None,
            extra: dict | None = None, expect: tuple[int, ...] = (302, 303)):  # fmt: skip
        person = self.people[who]
        at = at or clock_now(self.app, person.timezone)
        url = f"/logbook/partners/{partner_id}/interactions"
        if recommendation_id:
            url += f"?recommendation_id={recommendation_id}"
        data = {
            "kind": kind,
            "direction": direction,
            "outcome": outcome,
            "sentiment": sentiment,
            "at": at.strftime("%Y-%m-%dT%H:%M"),
        }
        if disrespectful:
            data["disrespectful"] = "y"
        response = self.post(who, url, {**data, **(extra or {})}, expect)
        if response.status_code in (302, 303):  # saved (a warning saves nothing)
            self.ledger.add(person.team_id, "interactions")
            self.ledger.actions[kind if kind != "call" else f"call_{outcome}"] += 1
        return response

    def refer(self, partner_id: int, who: str, direction: str, day: date) -> None:
        person = self.people[who]
        data = {
            "direction": direction,
            "client": f"Client {self.rng.randrange(10_000)}",
            "referred_on": day.isoformat(),
            "status": self.rng.choice(["new", "active"]),
        }
        self.referral_money(partner_id, direction, day, data)
        self.post(who, f"/logbook/partners/{partner_id}/referrals", data)
        self.ledger.add(person.team_id, "referrals")
        self.ledger.actions[f"referral_{direction}"] += 1

    def partners_of(self, who: str) -> list[int]:
        person = self.people[who]
        with self.app.app_context():
            return list(
                db.session.scalars(
                    sa.select(Partner.id)
                    .where(
                        Partner.owner_id == person.id,
                        Partner.archived_at.is_(None),
                        Partner.tier != "cease",
                        Partner.do_not_contact.is_(False),
                    )
                    .order_by(Partner.id)
                )
            )

    def work_today(self, who: str, day: date) -> None:
        """The agent opens Today and acts on what it lists: Done, Snooze, Dismiss, or later."""
        page = _text(self.get(who, "/today?all=1"))
        if f"{day:%Y}" not in page:
            raise DayFailed(f"{day}: {who}'s Today does not show the year of {day}")
        for rec_id, body in ITEM.findall(page):
            done = DONE_LINK.search(body)
            if done is None:  # a tier change: the manager's
                continue
            choice = self.rng.random()
            if choice < 0.45:
                link, partner_id = done.group(1).replace("&amp;", "&"), int(done.group(2))
                form = _text(self.get(who, link))
                kind = re.search(r"kind=(\w+)", link).group(1)
                if not re.search(
                    rf'<option (selected value="{kind}"|value="{kind}" selected)', form
                ):
                    raise DayFailed(f"{day}: the Done form of {link} is not prefilled with {kind}")
                self.log(partner_id, who, kind, sentiment="positive", recommendation_id=int(rec_id))
                self.ledger.actions["done"] += 1
            elif choice < 0.65:
                until = self.rng.choice(["tomorrow", "next_week"])
                self.post(
                    who, f"/recommendations/{rec_id}/snooze", {"until": until, "next": "/today"}
                )
                self.ledger.actions["snoozed"] += 1
            elif choice < 0.75:
                self.post(
                    who, f"/recommendations/{rec_id}/dismiss",
                    {"reason": "Not this one.", "next": "/today"},
                )  # fmt: skip
                self.ledger.actions["dismissed"] += 1

    def agent_day(self, who: str, day: date) -> None:
        """An agent's day: Today first thing, then calls, coffees, referrals, planning."""
        person = self.people[who]
        tz, rng = person.timezone, self.rng
        self.at(day, rng.choice([7, 8, 9]), rng.randrange(60), tz)
        self.work_today(who, day)
        partners = self.partners_of(who)
        if not partners:
            return
        self.at(day, rng.randrange(10, 16), rng.randrange(60), tz)
        for _ in range(rng.randrange(0, 4)):
            partner_id = rng.choice(partners)
            roll = rng.random()
            if roll < 0.35:
                self.log(partner_id, who, "call", outcome="connected", sentiment="positive")
            elif roll < 0.6:
                self.log(partner_id, who, "call", outcome="no_response")  # unanswered
            elif roll < 0.7:
                self.log(partner_id, who, "voicemail", direction="inbound", outcome="no_response")
            elif roll < 0.8:
                self.log(partner_id, who, "coffee", sentiment="positive")
            elif roll < 0.9:
                self.log(partner_id, who, "email", outcome="no_response")
            else:
                self.log(partner_id, who, "co_marketing", sentiment="positive")
        if rng.random() < 0.02:
            partner_id = rng.choice(partners)
            self.ledger.actions["disrespectful"] += 1
            self.log(partner_id, who, "call", direction="inbound", sentiment="negative",
                     disrespectful=True)  # fmt: skip
            if rng.random() < 0.5:  # an agent may not move to Cease alone: it goes for review
                self.post(
                    who, f"/desk/partners/{partner_id}/tier",
                    {"tier-tier": "cease", "tier-reason": "Rude on the phone again."},
                    expect=(303, 422),  # 422: a move to Cease is already waiting
                )  # fmt: skip
                self.ledger.actions["proposed_cease"] += 1
        self.spend_some(who, partners)
        if rng.random() < 0.12:
            self.refer(rng.choice(partners), who, "received", day)
        if rng.random() < 0.05:
            self.refer(rng.choice(partners), who, "sent", day)
        if rng.random() < 0.04:
            self.commit_and_book(who, rng.choice(partners), day)
        if rng.random() < 0.03:
            self.new_partner(who, f"New Contact {rng.randrange(100_000)}", day)
        self.at(day, 17, rng.randrange(60), tz)
        self.mark_sessions(who, day)

    def commit_and_book(self, who: str, partner_id: int, day: date) -> None:
        """The partner commits: a first referral within the month, and 12 weekly sessions."""
        by = day + timedelta(days=self.rng.randrange(7, 45))
        self.post(
            who, f"/planning/partners/{partner_id}/commitment",
            {"commit-first_referral_by": by.isoformat()},
        )  # fmt: skip
        self.ledger.actions["commitment"] += 1
        slots = SLOT.findall(_text(self.get(who, f"/planning/partners/{partner_id}/slots")))
        if not slots:
            return  # the window is full: plan_partnership will keep asking
        self.post(who, f"/planning/partners/{partner_id}/series", {"starts_at": slots[0]})
        self.ledger.add(self.people[who].team_id, "planning_sessions", 12)
        self.ledger.actions["series_booked"] += 1

    def mark_sessions(self, who: str, day: date) -> None:
        """After the window: today's sessions held (with a lead now and then) or skipped."""
        person = self.people[who]
        with self.app.app_context():
            sessions = db.session.scalars(
                sa.select(PlanningSession.id)
                .where(
                    PlanningSession.user_id == person.id,
                    PlanningSession.status == "booked",
                    PlanningSession.starts_at >= datetime.combine(day, time()),
                    PlanningSession.starts_at < datetime.combine(day + timedelta(days=1), time()),
                )
                .order_by(PlanningSession.id)
            ).all()
        for session_id in sessions:
            status = "held" if self.rng.random() < 0.8 else "skipped"
            self.post(who, f"/planning/sessions/{session_id}/status", {"status": status})
            self.ledger.actions[f"session_{status}"] += 1
            if status == "held" and self.rng.random() < 0.3:
                self.post(
                    who, f"/planning/sessions/{session_id}/leads",
                    {"name": f"Lead {self.rng.randrange(10_000)}", "question": "met_recently"},
                )  # fmt: skip
                self.ledger.add(person.team_id, "leads")

    def manager_day(self, who: str, day: date) -> None:
        """The manager decides the tier changes waiting, and now and then tunes a rule."""
        person = self.people[who]
        self.at(day, 11, self.rng.randrange(60), person.timezone)
        self.get(who, "/today")
        page = _text(self.get(who, "/desk/reviews"))
        for rec_id in REVIEW_APPROVE.findall(page):
            with self.app.app_context():
                rec = db.session.get(Recommendation, int(rec_id))
                leap = rec.partner_id == getattr(self, "leap_partner_id", None)
            roll = self.rng.random()
            if leap or roll < 0.3:
                self.post(
                    who, f"/desk/reviews/{rec_id}/reject",
                    {f"reject-{rec_id}-reason": "Not yet: we know them."},
                )  # fmt: skip
                self.ledger.actions["rejected"] += 1
            elif roll < 0.8:
                self.post(who, f"/desk/reviews/{rec_id}/approve", {})
                self.ledger.actions["approved"] += 1
        if self.rng.random() < 0.04:
            self.tune_a_rule(who)

    def tune_a_rule(self, who: str) -> None:
        values = dict(NUMBER_INPUT.findall(_text(self.get(who, "/rules/"))))
        assert values, "the rules page shows no threshold"
        name = self.rng.choice(["coffee_days", "keep_warm_days", "thank_you_due_days",
                                "co_market_days", "personal_date_days"])  # fmt: skip
        base = {"coffee_days": 21, "keep_warm_days": 30, "thank_you_due_days": 2,
                "co_market_days": 90, "personal_date_days": 7}[name]  # fmt: skip
        values[name] = str(max(1, base + self.rng.randrange(-base // 3, base // 3 + 1)))
        self.post(who, "/rules/", values)
        self.ledger.actions["rule_tuned"] += 1

    # --- the day -----------------------------------------------------------------------------
    def nightly(self, day: date) -> None:
        """The night: at 02:00 New York the worker runs New York's nightly refresh (and
        whatever London's morning has brought due by then, 07:00 there most days).

        02:00 New York does not exist on the spring-forward day (12 Mar 2028):
        the instant is then 02:00-05:00, i.e. 03:00 EDT, and the job runs then."""
        self.at(day, NIGHTLY_AT.hour, NIGHTLY_AT.minute, HOME)

    def expected_mornings(self, team_id: int) -> dict[str, list[str] | None]:
        """For each user of the team: the reasons their morning email must list (their
        Today's overdue and due-today items, read from the page), or None when they
        must get no email (a day they did not choose, or nothing to do)."""
        expected = {}
        with self.app.app_context():
            team = db.session.get(Team, team_id)
            local_day = clock.today(team.timezone)
            users = db.session.scalars(sa.select(User).where(User.team_id == team_id)).all()
            chosen = {
                user.email: user.active
                and user.morning_email
                and local_day.weekday() in (user.morning_days or ())
                for user in users
            }
            db.session.remove()
        for person in self.team_people(team_id):
            if not chosen.get(person.email):
                expected[person.email] = None
                continue
            page = _text(self.get(person.key, "/today?all=1"))
            reasons = section_reasons(page, "Overdue") + section_reasons(page, "Due today")
            reviews = person.is_manager and bool(section_reasons(page, "Tier changes"))
            expected[person.email] = reasons if (reasons or reviews) else None
        return expected

    def live(self, day: date) -> None:
        """One day: the nightly refresh, then the away team's day, then the home team's."""
        self.day = day
        self.ledger.actions.clear()
        self.nightly(day)
        for person in self.team_people(self.away_id, "agent"):
            self.agent_day(person.key, day)
        for person in self.team_people(self.away_id, "manager"):
            self.manager_day(person.key, day)
        if day == self.start + timedelta(days=1):
            self.set_value_limit(day)
        for person in self.team_people(self.home_id, "agent"):
            self.agent_day(person.key, day)
        self.manager_day("manager", day)
        if day == self.start + timedelta(days=2):
            self.write_team_rule(day)
        elif day == self.team_rule_off:
            self.switch_off_team_rule(day)
        self.unsubscribe_one(day)
        self.at(day, 18, 30, HOME)  # before midnight in London too

    def late_evening(self, day: date) -> None:
        """21:30 in New York is the small hours of the next day in London: Olivia's Today
        must show her own team's day, not New York's."""
        self.at(day, 21, 30, HOME)
        page = _text(self.get("olivia@thames", "/today"))
        tomorrow = day + timedelta(days=1)
        if f"{tomorrow:%Y}" not in page or f"{tomorrow.day}" not in page:
            raise DayFailed(f"{day}: London's Today at 21:30 New York should be {tomorrow}")
        self.new_years_eve(day)

    def summary(self, day: date) -> DayRow:
        """The day in one line: open items per agent, tiers, who would get a morning email."""
        with self.app.app_context():
            agents = {}
            for person in self.team_people(self.home_id, "agent"):
                user = db.session.get(User, person.id)
                agents[person.name] = queries.open_count(user, day)
            tiers = dict(
                db.session.execute(
                    sa.select(Partner.tier, sa.func.count())
                    .where(Partner.team_id == self.home_id)
                    .group_by(Partner.tier)
                ).all()
            )
            emails = self.emails_by_day[day]
        row = DayRow(day, agents, tiers, emails, dict(self.ledger.actions))
        self.rows.append(row)
        return row


def clock_now(app: Flask, timezone: str) -> datetime:
    with app.app_context():
        return clock.now(timezone)


def _text(response) -> str:
    return response.get_data(as_text=True)


class _Collect(logging.Handler):
    """Keeps every error the app logs (a failure it swallowed is still a failure)."""

    def __init__(self, into: list[str]):
        super().__init__(logging.ERROR)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            text += f": {type(error).__name__}: {error}"
        self.into.append(text)


def section_reasons(page: str, title: str) -> list[str]:
    """The reasons listed in one section of a Today page (all of it: `?all=1`)."""
    match = re.search(rf'<h2 id="today-[\w-]+">{title}[^<]* <span.*?</section>', page, re.S)
    if match is None:
        return []
    reasons = re.findall(r'class="reason">([^<]*)</', match[0])
    return [html.unescape(reason) for reason in reasons]


def email_reasons(message) -> list[str]:
    """The reasons a morning email lists as things to do (its plain-text part)."""
    reasons, expecting = [], False
    for line in message.get_body(("plain",)).get_content().splitlines():
        if line.startswith(("TIER CHANGES", "WHO IS SLIPPING", "Open Today:")):
            expecting = False
            if not line.startswith("Open Today:"):
                break
        elif line.startswith("- "):
            expecting = True
        elif expecting and line.strip():
            reasons.append(line.strip())
            expecting = False
    return reasons


def check_morning_emails(sim: Simulation, expected: dict, received: list) -> None:
    """The morning emails of a run of the jobs: exactly one for each user whose morning
    it is and who has something to do that day, listing exactly their Today's overdue
    and due-today items; none for anyone else, and never a second one the same day."""
    got: dict[str, list] = defaultdict(list)
    for recipients, message in received:
        for address in recipients:
            got[address].append(message)
    unexpected = set(got) - {email for email, reasons in expected.items() if reasons is not None}
    assert not unexpected, f"{sim.day}: morning emails nobody should get: {sorted(unexpected)}"
    for email, reasons in expected.items():
        if reasons is None:
            continue
        assert len(got[email]) == 1, f"{sim.day}: {email} got {len(got[email])} morning emails"
        listed = email_reasons(got[email][0])
        assert Counter(listed) == Counter(reasons), (
            f"{sim.day}: {email}'s morning email lists {listed}, their Today {reasons}"
        )
        local_day = clock_now(sim.app, sim.person_by_email(email).timezone).date()
        assert (email, local_day) not in sim.mornings_sent, f"{local_day}: {email} got two"
        sim.mornings_sent.add((email, local_day))


# --- the invariants ---------------------------------------------------------------------------
# Each raises AssertionError naming the day and what differs.

# The daily round of pages, checked for every role (a few each day, in turn).
ROUND = ["home.today", "partners.index", "partners.detail", "desk.team", "desk.reviews",
         "desk.audit", "referrals.index", "referrals.roi", "planning.agenda",
         "planning.settings", "planning.leads", "planning.holidays",
         "rule_settings.index"]  # fmt: skip


def check_pages(sim: Simulation, day: date, endpoints: list[str]) -> None:
    """Each page of the round answers as tests/access_table.py says, for every role of
    the home team and the away team's manager: 200 where the role may see it, 404 where
    not (a partner page is Sam's partner's)."""
    owner = sim.people["agent"]
    partner_id = sim.partners_of("agent")[0]
    urls = {
        "home.today": "/today",
        "partners.index": "/partners/",
        "partners.detail": f"/partners/{partner_id}",
        "desk.team": "/desk/team",
        "desk.reviews": "/desk/reviews",
        "desk.audit": "/desk/audit",
        "referrals.index": "/referrals/",
        "referrals.roi": "/referrals/roi",
        "planning.agenda": "/planning/",
        "planning.settings": "/planning/settings",
        "planning.holidays": "/planning/holidays",
        "planning.leads": "/planning/leads",
        "rule_settings.index": "/rules/",
    }
    wrong = []
    for endpoint in endpoints:
        has_object = endpoint == "partners.detail"
        for who in ["admin", "manager", "agent", "jordan", "priya", "olivia@thames"]:
            person = sim.people[who]
            allowed = may_reach(ACCESS[endpoint], person, owner, has_object)
            status = sim.get(who, urls[endpoint]).status_code
            expected = 200 if allowed else 404
            if status != expected:
                wrong.append(
                    f"{who} ({person.role}) GET {urls[endpoint]}: {status}, not {expected}"
                )
    assert not wrong, f"{day}: pages answer other than the access table says:\n" + "\n".join(wrong)


def check_every_route(sim: Simulation, day: date) -> None:
    """Every GET route of the app (tests/routes.py), filled from Sam's real objects, answers
    as the access table says for each role: below 400 where allowed, 404 where not.
    (Weekly: the walk is a few hundred requests.)"""
    owned = real_objects(sim, sim.people["agent"])
    wrong = []
    for rule in rules_of(sim.app):
        access = access_of(rule)
        # (The API, "bearer", answers tokens, not these sessions: the access matrix
        # walks it with tokens.)
        skipped = ("owner", "public", "bearer", "bearer-manager")
        if "GET" not in rule.methods or access in skipped or rule.endpoint == "static":
            continue
        needed = url_params(rule) & OBJECT_PARAMS
        if any(getattr(owned, OBJECT_OF.get(name, "owner")) is None for name in needed):
            continue  # nothing of that kind yet
        with sim.app.app_context():
            url = build_url(sim.app, rule, owned)
        has_object = bool(needed)
        for who in ["admin", "manager", "agent", "jordan", "olivia@thames"]:
            person = sim.people[who]
            allowed = may_reach(access, person, sim.people["agent"], has_object)
            status = sim.get(who, url).status_code
            ok = (status < 400 or status == 422) if allowed else status == 404
            if access == "token":
                ok = status < 400
            if not ok:
                wrong.append(f"{who} ({person.role}) GET {url} [{rule_id(rule)}]: {status}")
    assert not wrong, f"{day}: routes answer other than the access table says:\n" + "\n".join(wrong)


# Which object of `Owned` a URL parameter points into.
OBJECT_OF = {
    "partner_id": "partner",
    "interaction_id": "interaction",
    "referral_id": "referral",
    "planning_session_id": "planning_session",
    "series": "planning_session",
    "lead_id": "lead",
    "recommendation_id": "recommendation",
    "audit_event_id": "audit_event",
}


def real_objects(sim: Simulation, owner: Person) -> Owned:
    """One of each kind of object the owner really has (None where there is none yet)."""
    with sim.app.app_context():

        def first(query):
            row = db.session.execute(query.limit(1)).first()
            return SimpleNamespace(id=row[0], series=row[1] if len(row) > 1 else None,
                                   version=None) if row else None  # fmt: skip

        mine = sa.select(Partner.id).where(Partner.owner_id == owner.id)
        partner = first(mine.order_by(Partner.id))
        version = db.session.scalar(
            sa.select(sa.func.max(RuleSettings.version)).where(
                RuleSettings.team_id == owner.team_id
            )
        )
        return Owned(
            owner=db.session.get(User, owner.id),
            partner=partner,
            interaction=first(sa.select(Interaction.id).where(Interaction.partner_id.in_(mine))),
            referral=first(sa.select(Referral.id).where(Referral.partner_id.in_(mine))),
            planning_session=first(
                sa.select(PlanningSession.id, PlanningSession.series).where(
                    PlanningSession.partner_id.in_(mine), PlanningSession.series.is_not(None)
                )
            ),
            lead=first(sa.select(Lead.id).where(Lead.partner_id.in_(mine))),
            recommendation=first(
                sa.select(Recommendation.id).where(Recommendation.partner_id.in_(mine))
            ),
            audit_event=first(sa.select(AuditEvent.id).where(AuditEvent.partner_id.in_(mine))),
            rule_settings=SimpleNamespace(id=None, series=None, version=version or 1),
        )


def check_live_recommendations(team_id: int, day: date) -> None:
    """The stored live recommendations are exactly a fresh evaluation of the day
    (`lifecycle.evaluate`), except those the life cycle keeps quiet:
    - dismissed, rejected or approved, while the facts (fingerprint) are unchanged;
    - done with unchanged facts, for DONE_QUIET_DAYS days from the day it was done;
    - snoozed until a later day.
    A snoozed one whose day has come is open again; what awaits shows today's words."""
    timezone = db.session.get(Team, team_id).timezone
    fresh = lifecycle.evaluate(team_id, day)
    rows = defaultdict(list)
    for row in db.session.scalars(
        sa.select(Recommendation).where(
            Recommendation.team_id == team_id,
            sa.or_(  # the catalogue's rules and the team's own
                Recommendation.rule.in_(list(RULES_BY_ID)),
                Recommendation.rule.like(TEAM_RULE.split(":")[0] + ":%"),
            ),
        )
    ):
        rows[row.partner_id, row.rule].append(row)

    def quiet(rec, stored) -> str | None:
        for row in stored:
            if row.fingerprint != rec.fingerprint:
                continue
            if row.status in ("dismissed", "rejected", "approved"):
                return row.status
            if row.status == "done":
                done_on = clock.local(row.decided_at, timezone).date()
                if day < done_on + timedelta(days=DONE_QUIET_DAYS):
                    return "done"
        return None

    wrong = []
    expected = set()
    for partner_id, recs in fresh.items():
        for rec in recs:
            key = (partner_id, rec.rule)
            expected.add(key)
            stored = rows.get(key, [])
            live = [row for row in stored if row.status in ("open", "snoozed")]
            if live:
                row = live[0]
                if row.status == "snoozed" and row.snoozed_until <= day:
                    wrong.append(f"partner {partner_id} {rec.rule}: snoozed until "
                                 f"{row.snoozed_until} and not open again")  # fmt: skip
                if (row.reason, row.fingerprint) != (rec.reason, rec.fingerprint):
                    wrong.append(f"partner {partner_id} {rec.rule}: stored {row.reason!r}, "
                                 f"the rules say {rec.reason!r}")  # fmt: skip
            elif quiet(rec, stored) is None:
                wrong.append(f"partner {partner_id} {rec.rule}: holds ({rec.reason!r}) but is "
                             f"not stored live; stored: {[r.status for r in stored]}")  # fmt: skip
    for key, stored in rows.items():
        for row in stored:
            if row.status in ("open", "snoozed") and key not in expected:
                wrong.append(f"partner {key[0]} {key[1]}: stored {row.status} "
                             f"({row.reason!r}) but no longer holds")  # fmt: skip
    assert not wrong, f"{day}: team {team_id}'s recommendations differ from the rules:\n" + (
        "\n".join(wrong)
    )


def check_no_duplicates(team_id: int, day: date) -> None:
    """At most one live recommendation per partner and rule."""
    duplicated = db.session.execute(
        sa.select(Recommendation.partner_id, Recommendation.rule, sa.func.count())
        .where(Recommendation.team_id == team_id, Recommendation.status.in_(("open", "snoozed")))
        .group_by(Recommendation.partner_id, Recommendation.rule)
        .having(sa.func.count() > 1)
    ).all()
    assert not duplicated, (
        f"{day}: duplicated live recommendations (partner, rule, n): {duplicated}"
    )


LEDGER_MODELS = {
    "partners": (Partner, Partner.team_id),
    "interactions": (Interaction, Partner.team_id),
    "referrals": (Referral, Partner.team_id),
    "planning_sessions": (PlanningSession, Partner.team_id),
    "leads": (Lead, Partner.team_id),
}


def team_counts(team_id: int) -> dict[str, int]:
    counts = {}
    for kind, (model, _) in LEDGER_MODELS.items():
        query = sa.select(sa.func.count()).select_from(model)
        if model is not Partner:
            query = query.join(Partner, Partner.id == model.partner_id)
        counts[kind] = db.session.scalar(query.where(Partner.team_id == team_id))
    return counts


def check_ledger(team_id: int, day: date, baseline: dict[str, int], ledger: Ledger) -> None:
    """Nothing logged is lost or duplicated: the team's partners, interactions, referrals,
    planning sessions and leads are what it started with plus what the simulation made."""
    counts = team_counts(team_id)
    expected = {kind: baseline[kind] + ledger.counts[team_id, kind] for kind in LEDGER_MODELS}
    assert counts == expected, f"{day}: team {team_id} holds {counts}, the ledger says {expected}"


def check_tiers_audited(team_id: int, day: date, initial: dict[int, str]) -> None:
    """Every tier change is in the audit trail: each partner's tier is its last audited
    tier change's, or the tier it started with."""
    last = {}
    for partner_id, after in db.session.execute(
        sa.select(AuditEvent.partner_id, AuditEvent.after)
        .where(AuditEvent.team_id == team_id, AuditEvent.kind == "tier_change")
        .order_by(AuditEvent.at, AuditEvent.id)
    ):
        last[partner_id] = after["tier"]
    wrong = [
        f"{name} (partner {partner_id}) is {tier}, audited {last.get(partner_id)}, "
        f"started {initial.get(partner_id)}"
        for partner_id, name, tier in db.session.execute(
            sa.select(Partner.id, Partner.name, Partner.tier).where(Partner.team_id == team_id)
        )
        if tier != last.get(partner_id, initial.get(partner_id))
    ]
    assert not wrong, f"{day}: tier changes missing from the audit trail:\n" + "\n".join(wrong)


def check_no_errors_logged(sim: Simulation, day: date) -> None:
    """Nothing failed quietly: the app logged no error (a re-evaluation after a log
    swallows its failure, and the day goes on with stale recommendations)."""
    errors, sim.errors[:] = list(sim.errors), []
    assert not errors, f"{day}: the app logged errors:\n" + "\n".join(errors)


def check_today_lists_what_awaits(sim: Simulation, who: str, day: date) -> None:
    """Today (all of it) shows exactly the recommendations that await the user: open,
    or snoozed until a day that has come, of the partners they see; nothing else."""
    person = sim.people[who]
    page = _text(sim.get(who, "/today?all=1"))
    shown = {int(rec_id) for rec_id, _ in ITEM.findall(page)}
    with sim.app.app_context():
        user = db.session.get(User, person.id)
        awaiting = set(
            db.session.scalars(
                queries.visible_recommendations(user.is_manager).with_only_columns(
                    Recommendation.id
                ),
                queries.awaiting_params(user, day),
            )
        )
        db.session.remove()
    assert shown == awaiting, (
        f"{day}: {who}'s Today shows {sorted(shown - awaiting)} that do not await them "
        f"and misses {sorted(awaiting - shown)}"
    )
