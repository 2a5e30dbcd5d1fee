"""A team's year: the demo team and a small team in London live day after day.

Every other test lives in one frozen day. Here the clock moves: whenever it
does, the job runner catches up what falls due (`flask jobs run-due`: each
team's nightly refresh at 02:00 team time, each user's morning email at
their hour, through the outbox to a local SMTP server); the people of both
teams work through the web pages at the hours they would
(tests/simulation.py says what they do), and then the invariants are checked:

- at each run of the jobs: every user whose morning it is and who has
  something to do gets exactly one morning email, listing exactly their
  Today's overdue and due-today items; nobody else gets one, nobody twice;
- daily: Today shows each user exactly what awaits them; the stored
  recommendations equal a fresh evaluation of the day,
  except what the life cycle keeps quiet; no recommendation is duplicated;
  nothing logged is lost or duplicated; every tier is audited; the app
  logged no error; a few pages of the daily round answer every role as the
  access table says (the whole round every 3–4 days, in turn);
- daily, the newest features (tests/simulation_features.py): the ROI page of
  each team for the team's year shows, per partner, the commission, money
  spent and fees it started with plus what was logged in that team-local year
  (the last year's page too on 1 Jan and weekly: a gift logged at 23:30 New
  York on 31 Dec 2027, already 1 Jan in UTC, is 2027's); each partner's ledger
  of things of value adds up to what was saved that team-local year (nothing
  again on 1 Jan), one ledger page in turn showing it; the team rule the
  manager wrote on the Rules page ("lenders in Maintain with no live contact
  in 14 days: call") is held only by partners its conditions hold for
  (computed here from the interactions), and every such partner has it, the
  stored recommendations equalling a fresh evaluation with it; once it is
  switched off nobody holds it; each partner who agreed to the quarterly
  report has exactly one report of each quarter ended, from the quarter's
  first day on, never two, and the one who unsubscribed with the first
  report's link gets no more;
- as it is logged: a lunch, coffee or gift that takes a partner's year over
  the home team's yearly limit (set by the admin on day 2) is warned of with
  nothing saved, and saved only when confirmed;
- weekly: every GET route answers every role as the access table says
  (a few hundred requests, so once a week).

The run starts on 20 Dec 2027 (Demo Realty, America/New_York) and lasts
SIMULATION_DAYS days (120 by default: a year end, 29 Feb 2028, the US
spring-forward on 12 Mar 2028 and the UK one on 26 Mar 2028).
`make simulate DAYS=365` lives a whole year (a fall-back too) and prints the
day-by-day summary (its "emails" column: the morning emails sent that day).
On two shared cores 120 days take about 70 s on SQLite and about 2 minutes on
PostgreSQL; the newest features' actions and checks are about 4% of it (3 s
of 85 s over 40 days, timed one by one).

It would have caught the bug of the day after a demo. Run against
webapp/recommendations/service.py as of a466de3 (before `_LIVE_ROW`), it
fails as soon as a team's second day begins: on day 1 (2027-12-20) at 21:30
New York, which is 02:30 on 21 Dec in London, Olivia's Today answers 500 with
`InvalidRequestError: 'literal_execute' or 'expanding' parameters can't be
used with executemany()`; without that late visit, day 2's nightly
`flask recommendations refresh` fails with the same error (two live
recommendations changed their reason overnight: "81 days ago" became
"82 days ago").

What it found in the product, each fixed with a regression test of its own:
- an approved tier change (or one made by hand) left the partner evaluated
  under its old tier until the next night: Today asked for a Maintain lunch
  for a partner just moved to Cultivate (tests/test_desk_reviews.py).
"""

import os
import time as timer
from collections import Counter
from datetime import date, timedelta

import sqlalchemy as sa

from tests.simulation import (
    LEAP_PARTNER,
    ROUND,
    START,
    Simulation,
    check_every_route,
    check_ledger,
    check_live_recommendations,
    check_no_duplicates,
    check_no_errors_logged,
    check_pages,
    check_tiers_audited,
    check_today_lists_what_awaits,
    team_counts,
)
from tests.simulation_features import (
    check_ledger_page,
    check_reports,
    check_roi,
    check_team_rule,
    check_value_ledger,
)
from webapp.extensions import db
from webapp.models import Partner, Recommendation

DAYS = int(os.environ.get("SIMULATION_DAYS", "120"))
SEED = int(os.environ.get("SIMULATION_SEED", "2028"))
SUMMARY = os.environ.get("SIMULATION_SUMMARY")  # a file, or "-" for stdout (with -s)


def check_the_day(sim: Simulation, day: date, n: int, baselines: dict) -> None:
    """Every daily invariant of both teams; the weekly walk on every seventh day."""
    with sim.app.app_context():
        for team_id in (sim.home_id, sim.away_id):
            check_live_recommendations(team_id, day)
            check_no_duplicates(team_id, day)
            check_ledger(team_id, day, baselines[team_id], sim.ledger)
            check_tiers_audited(team_id, day, sim.ledger.tiers)
        db.session.remove()
    for who in ("agent", "jordan", "priya", "manager", "george@thames"):
        check_today_lists_what_awaits(sim, who, day)
    check_no_errors_logged(sim, day)
    check_the_money(sim, day, n)
    check_team_rule(sim, day)
    check_reports(sim, day)
    check_pages(sim, day, [ROUND[(3 * n + k) % len(ROUND)] for k in range(3)])
    if n % 7 == 6:
        check_every_route(sim, day)


def check_the_money(sim: Simulation, day: date, n: int) -> None:
    """The ROI pages of both teams for the year (the last year's too on 1 Jan and
    weekly), the ledgers of things of value, and one partner's ledger page in turn."""
    new_year = (day.month, day.day) == (1, 1)
    for manager in ("manager", "olivia@thames"):
        check_roi(sim, day, manager)
        if new_year or n % 7 == 3:
            check_roi(sim, day, manager, "last_year")
    for team_id in (sim.home_id, sim.away_id):
        check_value_ledger(sim, team_id, day)
    given = sorted(sim.money_partners[sim.home_id])
    if given:
        check_ledger_page(sim, "manager", given[n % len(given)], day.year, day)
    if new_year and getattr(sim, "new_years_gift", None):
        partner_id, old_year = sim.new_years_gift
        check_ledger_page(sim, "agent", partner_id, old_year, day)
        check_ledger_page(sim, "agent", partner_id, day.year, day)


def leap_birthday(sim: Simulation, day: date) -> Recommendation | None:
    with sim.app.app_context():
        return db.session.scalar(
            sa.select(Recommendation).where(
                Recommendation.partner_id == sim.leap_partner_id,
                Recommendation.rule == "personal_date",
                Recommendation.status.in_(("open", "snoozed", "done", "dismissed")),
                Recommendation.due == day,
            )
        )


def test_a_team_lives_through_its_year(app):
    sim = Simulation(app, seed=SEED, start=START, days=DAYS)
    sim.begin()
    with app.app_context():
        baselines = {team_id: team_counts(team_id) for team_id in (sim.home_id, sim.away_id)}
        for team_id in baselines:  # what begin() made through the pages is in the ledger
            for kind in baselines[team_id]:
                baselines[team_id][kind] -= sim.ledger.counts[team_id, kind]
    started, done = timer.monotonic(), Counter()
    out = open(SUMMARY, "w") if SUMMARY and SUMMARY != "-" else None  # noqa: SIM115
    try:
        for n in range(DAYS):
            day = START + timedelta(days=n)
            sim.live(day)
            check_the_day(sim, day, n, baselines)
            sim.late_evening(day)
            with app.app_context():  # London is on tomorrow already
                check_live_recommendations(sim.away_id, day + timedelta(days=1))
            row = sim.summary(day)
            done.update(row.actions)
            if day == date(2028, 2, 29):
                assert leap_birthday(sim, day), "29 Feb 2028: no birthday call for Leap Day Lee"
            if SUMMARY == "-":
                print(row.line())
            elif out:
                out.write(row.line() + "\n")
    finally:
        sim.stop()
        if out:
            out.close()
    seconds = timer.monotonic() - started
    if SUMMARY:
        print(f"{DAYS} days in {seconds:.0f} s; everything done: {dict(done)}")

    # The year really happened: people did each thing, and the calendar's corners came round.
    for action in ("done", "snoozed", "dismissed", "approved", "rejected", "call_no_response",
                   "voicemail", "disrespectful", "referral_received", "series_booked",
                   "session_held", "session_skipped", "rule_tuned", "spent", "referral_closed",
                   "over_limit_warned", "over_limit_confirmed", "team_rule_written",
                   "team_rule_off", "report_unsubscribed"):  # fmt: skip
        if DAYS >= 60:
            assert done[action] > 0, f"in {DAYS} days nobody did {action}: {dict(done)}"
    if DAYS >= 20:
        assert sim.team_rule_peak > 0, "the team rule never held for anyone"
    with app.app_context():
        leap = db.session.scalar(sa.select(Partner).where(Partner.name == LEAP_PARTNER))
        assert leap.tier == "maintain"
