"""Periodic jobs: what runs by itself, for every team, at the team's local time.

A periodic job is a name, a local time of day and a function
`run(team, when) -> summary`, registered with `@periodic`:

    @periodic("nightly_refresh", at="02:00")
    def nightly_refresh(team: Team, when: datetime) -> str:
        ...
        return "120 partners evaluated: 4 new recommendations, ..."

`when` is the team's local wall time the run is for (`when.date()` is the
team's day). The summary is one line, shown on the admin's Jobs page and
printed by `flask jobs run-due`. Put the job in a module of this package
and import it in `webapp/jobs/__init__.py`, so that the registry knows it.

A job that runs at several hours of the day is `hourly=True`: it has a slot
at `at`'s minute of every hour that `hours(team)` names (every hour when it
is not given), each run once. The morning email (`morning.py`: each user at
their own hour) is one: its slots are the hours the team's users chose, its
function picks the users whose hour `when.hour` is, and the outbox key makes
each email once-only.

How a run happens:
- Huey's periodic `tick` runs every minute in every worker. For every team
  it reads the team's wall time (`clock.now(team.timezone)`) and enqueues a
  `run_job` for each of today's slots whose time has come and which may run
  (see `due`). Wall times are compared naive: on the spring-forward day a
  02:00 job runs at 03:00, the first wall time at or after 02:00; on the
  fall-back day 01:00-02:00 comes twice, but the slot is the day, so the
  job runs once.
- `run` claims the slot in the JobRun table, then runs the function. The
  claim is one statement: the insert of the (team, job, slot) row, or a
  conditional update of a row that may be taken again. Of two workers, one
  wins and the other does nothing.
- The row ends `done` with the summary, or `failed` with the error and a
  time to retry (5 then 10 minutes, MAX_ATTEMPTS in all). A run left
  `running` by a killed worker is taken again when its lease has passed.
- `flask jobs run-due` does the same here and now (`run_due`), without a
  worker: at any instant, it catches up what is due and not yet done.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app
from huey import crontab

from .. import clock, outbox
from ..extensions import db, insert_if_new
from ..models import JobRun, Team
from ..push import sender as push_sender
from ..webhooks import sender as webhook_sender
from .queue import huey, in_app_context

MAX_ATTEMPTS = 3
RETRY_DELAY = timedelta(minutes=5)  # doubled after each failure
# How long a run may take before another worker believes its worker died
# and runs it again: longer than any job takes.
LEASE = timedelta(minutes=30)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    at: time
    run: Callable[[Team, datetime], str]
    hourly: bool = False
    hours: Callable[[Team], Iterable[int]] | None = None  # an hourly job's hours, per team

    def slots(self, team: Team, day: date) -> list[datetime]:
        """The team's local wall times the job is for on `day`."""
        if not self.hourly:
            hours = [self.at.hour]
        else:
            hours = sorted(set(self.hours(team))) if self.hours else range(24)
        return [datetime.combine(day, time(hour, self.at.minute)) for hour in hours]

    def slot_key(self, when: datetime) -> str:
        return when.isoformat(timespec="minutes") if self.hourly else when.date().isoformat()


# Every periodic job, by name; filled by `@periodic` as the job modules are imported.
PERIODIC: dict[str, PeriodicJob] = {}


def periodic(
    name: str,
    at: str = "02:00",
    *,
    hourly: bool = False,
    hours: Callable[[Team], Iterable[int]] | None = None,
):
    """Register `function(team, when) -> summary` as a periodic job run at `at`, team time
    (`hourly`: at `at`'s minute of each of `hours(team)`, or of every hour)."""

    def register(function: Callable[[Team, datetime], str]):
        PERIODIC[name] = PeriodicJob(name, time.fromisoformat(at), function, hourly, hours)
        return function

    return register


def _may_take(now: datetime) -> sa.ColumnElement[bool]:
    """A run that is not done may be taken again once its lease or retry time has passed."""
    return sa.and_(
        JobRun.status != "done",
        JobRun.attempts < MAX_ATTEMPTS,
        JobRun.next_attempt_at <= now,
    )


def due(team: Team, local_now: datetime) -> list[tuple[PeriodicJob, datetime]]:
    """Today's slots whose time has come at `local_now` and which may run now."""
    now, day = clock.utcnow(), local_now.date()
    taken = set(
        db.session.execute(
            sa.select(JobRun.job, JobRun.slot).where(
                JobRun.team_id == team.id, JobRun.day == day, sa.not_(_may_take(now))
            )
        ).tuples()
    )
    return [
        (job, when)
        for job in PERIODIC.values()
        for when in job.slots(team, day)
        if when <= local_now and (job.name, job.slot_key(when)) not in taken
    ]


def claim(job: PeriodicJob, team_id: int, when: datetime) -> JobRun | None:
    """Take the slot for this process, or None when it is done or someone else has it."""
    now = clock.utcnow()
    # Write first in a fresh transaction: SQLite then waits for a concurrent
    # writer instead of failing to upgrade an older read.
    db.session.commit()
    key = (JobRun.team_id == team_id, JobRun.job == job.name, JobRun.slot == job.slot_key(when))
    running = {"status": "running", "started_at": now, "next_attempt_at": now + LEASE}
    fresh = insert_if_new(
        JobRun,
        team_id=team_id,
        job=job.name,
        day=when.date(),
        slot=job.slot_key(when),
        attempts=1,
        **running,
    )
    if not fresh:
        again = db.session.execute(
            sa.update(JobRun)
            .where(*key, _may_take(now))
            .values(attempts=JobRun.attempts + 1, finished_at=None, error=None, **running)
        )
        if again.rowcount != 1:
            db.session.rollback()
            return None
    db.session.commit()
    return db.session.scalar(sa.select(JobRun).where(*key))


def run(job: PeriodicJob, team: Team, when: datetime) -> JobRun | None:
    """Claim the slot and run the job: the finished row, or None if it was not ours to run
    (or no longer ours when it finished)."""
    row = claim(job, team.id, when)
    if row is None:
        return None
    row_id, mine = row.id, row.attempts
    try:
        summary = job.run(team, when)
    except Exception as error:  # any failure is recorded, then retried
        db.session.rollback()
        current_app.logger.exception("job %s of team %s failed", job.name, team.id)
        now = clock.utcnow()
        outcome = {
            "status": "failed",
            "finished_at": now,
            "error": f"{type(error).__name__}: {error}",
            "next_attempt_at": now + RETRY_DELAY * 2 ** (mine - 1),
        }
    else:
        outcome = {
            "status": "done",
            "finished_at": clock.utcnow(),
            "summary": summary[:500],
            "next_attempt_at": None,
        }
    # Only if the row is still this run's: past its lease another worker may have
    # taken it (its claim counted a new attempt), and that run's outcome is the one
    # to keep.
    finished = db.session.execute(
        sa.update(JobRun)
        .where(JobRun.id == row_id, JobRun.attempts == mine)
        .values(**outcome)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if finished.rowcount != 1:
        current_app.logger.warning(
            "job %s of team %s outlived its lease and was taken over: outcome not recorded",
            job.name,
            team.id,
        )
        return None
    db.session.refresh(row)
    return row


def teams() -> list[Team]:
    return list(db.session.scalars(sa.select(Team).order_by(Team.id)))


def run_due(at: datetime | None = None) -> list[JobRun]:
    """Run here, to completion, every job due today and not yet run, for every team.

    `at` is read as each team's local wall time; without it, each team's now.
    Returns the runs that ran (done or failed): none when called again.
    """
    ran = []
    for team in teams():
        for job, when in due(team, at or clock.now(team.timezone)):
            if row := run(job, team, when):
                ran.append(row)
    return ran


@huey.task()
@in_app_context
def run_job(name: str, team_id: int, when: datetime) -> None:
    """A worker's run of one slot, enqueued by the tick."""
    team = db.session.get(Team, team_id)
    if team is not None and name in PERIODIC:
        run(PERIODIC[name], team, when)


@huey.periodic_task(crontab(), name="tick")  # every minute
@in_app_context
def tick() -> None:
    """Enqueue every slot that is due, for every team, and the nightly backup when it
    is due; then send the outbox, the pushes and the webhooks."""
    from .nightly import backup_due, nightly_backup

    for team in teams():
        for job, when in due(team, clock.now(team.timezone)):
            run_job(job.name, team.id, when)
    if backup_due(clock.utcnow()):
        nightly_backup()
    outbox.deliver()
    push_sender.deliver()
    webhook_sender.deliver()
