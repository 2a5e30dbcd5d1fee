"""The nightly pruning: old job runs, ended sessions, finished email and stale
sign-in failure counts are deleted, night after night, each after its time.

The clock moves a night at a time (PARTNERPLAN_NOW); each night the worker's
jobs run as `flask jobs run-due` would run them.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from tests.helpers import count
from webapp import clock, outbox
from webapp.auth import throttle
from webapp.jobs import periodic
from webapp.jobs.pruning import JOB_RUNS_KEPT, OUTBOX_KEPT, SESSIONS_KEPT
from webapp.models import JobRun, OutboxEmail, SignInFailures, Team, UserSession

NEW_YORK = ZoneInfo("America/New_York")
DAY_ONE = date(2027, 3, 15)


def night(app, day: date) -> list[JobRun]:
    """03:45 in New York on `day`: the worker runs what has fallen due (the pruning
    at 03:30 among it). The runs that ran."""
    at(app, datetime.combine(day, time(3, 45), tzinfo=NEW_YORK))
    return periodic.run_due()


def at(app, moment: datetime) -> None:
    app.config["PARTNERPLAN_NOW"] = moment.isoformat()


def afternoon(app, day: date) -> None:
    at(app, datetime.combine(day, time(14, 0), tzinfo=NEW_YORK))


def pruned(runs: list[JobRun], team_id: int) -> str:
    [run] = [run for run in runs if run.job == "prune" and run.team_id == team_id]
    assert run.status == "done", run.error
    return run.summary


def statuses(db) -> list[str]:
    db.session.expire_all()
    return sorted(db.session.scalars(sa.select(OutboxEmail.status)))


def harbor(db, team) -> Team:
    return db.session.get(Team, team["agent"].team_id)


def test_the_pruning_runs_every_night_at_half_past_three(app, db, team):
    before = periodic.due(harbor(db, team), datetime(2027, 3, 15, 3, 29))
    assert [job.name for job, _ in before] == ["nightly_refresh"]
    runs = night(app, DAY_ONE)
    assert sorted(run.job for run in runs) == ["nightly_refresh"] * 2 + ["prune"] * 2
    assert night(app, DAY_ONE) == []  # once a night
    assert len(night(app, DAY_ONE + timedelta(days=1))) == 4


def test_job_runs_go_after_ninety_days_each_team_in_its_own_run(app, db, team):
    home = harbor(db, team)
    rival = db.session.scalar(sa.select(Team).where(Team.name == "Rival Homes"))
    rival.timezone = "America/Los_Angeles"  # 00:45 there when New York prunes at 03:45
    db.session.commit()
    night(app, DAY_ONE)
    db.session.add(
        JobRun(team_id=rival.id, job="nightly_refresh", day=DAY_ONE, slot=DAY_ONE.isoformat(),
               status="done", started_at=clock.utcnow(), finished_at=clock.utcnow())
    )  # fmt: skip
    db.session.commit()

    def days(team_id: int) -> list[date]:
        db.session.expire_all()
        query = sa.select(JobRun.day).where(JobRun.team_id == team_id).order_by(JobRun.day)
        return list(db.session.scalars(query))

    last_kept = DAY_ONE + JOB_RUNS_KEPT - timedelta(days=1)
    night(app, last_kept)
    assert days(home.id) == [DAY_ONE] * 2 + [last_kept] * 2
    summary = pruned(night(app, last_kept + timedelta(days=1)), home.id)
    assert summary.startswith("2 job runs over 90 days old")  # day one's own two
    assert days(home.id) == [last_kept] * 2 + [last_kept + timedelta(days=1)] * 2
    assert days(rival.id) == [DAY_ONE]  # Rival's night has not come: its own run prunes it


def test_sent_email_goes_after_thirty_days_and_waiting_email_never(app, db, team, mailbox):
    afternoon(app, DAY_ONE)
    sent = outbox.automated_message("Sam Ortiz", "sam@harbor.example", "Your morning")
    sent.set_content("Three partners to call today.")
    outbox.enqueue(sent)  # goes at once, to the local server
    stamp = clock.utcnow()
    db.session.add_all(
        OutboxEmail(recipient="kim@harbor.example", subject=status, message=b"Subject: x\r\n\r\n",
                    status=status, created_at=stamp, next_attempt_at=stamp)
        for status in ("failed", "expired", "queued", "sending")
    )  # fmt: skip
    db.session.commit()
    assert statuses(db) == ["expired", "failed", "queued", "sending", "sent"]

    for day in (DAY_ONE + timedelta(days=1), DAY_ONE + OUTBOX_KEPT):
        night(app, day)
        assert len(statuses(db)) == 5, day
    night(app, DAY_ONE + OUTBOX_KEPT + timedelta(days=1))
    assert statuses(db) == ["queued", "sending"]  # still to be sent: never dropped


def test_ended_sessions_go_thirty_days_after_they_ended(app, db, team, auth, client):
    afternoon(app, DAY_ONE)
    auth.login(team["agent"])
    auth.logout()  # ends on day one
    auth.login(team["manager"])  # left open: ends by itself, idle for 14 days
    idle_days = app.config["SESSION_IDLE_DAYS"]

    def left() -> list[str]:
        db.session.expire_all()
        return sorted(row.user.email for row in db.session.scalars(sa.select(UserSession)))

    night(app, DAY_ONE + SESSIONS_KEPT)
    assert left() == ["dana@harbor.example", "sam@harbor.example"]
    night(app, DAY_ONE + SESSIONS_KEPT + timedelta(days=1))
    assert left() == ["dana@harbor.example"]
    night(app, DAY_ONE + timedelta(days=idle_days) + SESSIONS_KEPT)
    assert left() == ["dana@harbor.example"]
    night(app, DAY_ONE + timedelta(days=idle_days + 1) + SESSIONS_KEPT)
    assert left() == []


def test_a_sign_in_count_of_an_unknown_email_goes_once_it_would_start_again(app, db, team, client):
    afternoon(app, DAY_ONE)
    for _ in range(throttle.FREE_FAILURES):
        client.post("/auth/login", data={"email": "nobody@harbor.example", "password": "nope"})
    assert count(db, SignInFailures) == 1
    night(app, DAY_ONE + timedelta(days=1))  # 13 h 45 after the last failure
    assert count(db, SignInFailures) == 1
    night(app, DAY_ONE + timedelta(days=2))
    assert count(db, SignInFailures) == 0
