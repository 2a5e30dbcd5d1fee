"""Background jobs: the periodic registry, the once-per-slot claim, run-due, the worker.

Unit tests run Huey in immediate mode (TestConfig): a task runs where it is
enqueued. Two tests start a real worker process: on the SQLite storage, and
on Redis when REDIS_URL is set (scripts/run-tests.sh sets it in CI).
"""

import os
import subprocess
import sys
import threading
import time as wallclock
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from config import TestConfig
from tests.helpers import make_partner, make_user
from webapp import clock, create_app
from webapp.extensions import db as _db
from webapp.jobs import periodic
from webapp.models import JobRun, Team

ROOT = Path(__file__).resolve().parent.parent
# Monday 15 March 2027, 03:05 in New York (EDT): past the nightly 02:00.
AFTER_TWO = "2027-03-15T07:05+00:00"


def runs(db, **where) -> list[JobRun]:
    query = sa.select(JobRun).filter_by(**where).order_by(JobRun.team_id, JobRun.job, JobRun.slot)
    return list(db.session.scalars(query))


@pytest.fixture
def jobs():
    """Register extra periodic jobs for one test: `jobs.add(name, at, function)`."""
    added = []

    class Registry:
        def add(self, name, at, function, hourly=False):
            periodic.periodic(name, at, hourly=hourly)(function)
            added.append(name)

    yield Registry()
    for name in added:
        periodic.PERIODIC.pop(name, None)


@pytest.fixture
def booked(team):
    """Harbor has one partner, so the nightly refresh has something to evaluate."""
    make_partner(team["agent"], "Debbie Stone")
    _db.session.commit()
    return team


# --- run-due -------------------------------------------------------------------------


def test_run_due_runs_the_nightly_refresh_of_every_team_once(app, db, booked, runner):
    app.config["PARTNERPLAN_NOW"] = AFTER_TWO
    result = runner.invoke(args=["jobs", "run-due", "--at", "2027-03-15T02:30"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("nightly_refresh Harbor Realty Group: 1 partners evaluated: ")
    assert lines[1].startswith("nightly_refresh Rival Homes: 0 partners evaluated: ")
    assert len(lines) == 2
    done = runs(db)
    assert [(run.status, run.slot, run.attempts) for run in done] == [
        ("done", "2027-03-15", 1),
        ("done", "2027-03-15", 1),
    ]
    assert done[0].started_at == clock.utcnow() and done[0].finished_at == clock.utcnow()

    again = runner.invoke(args=["jobs", "run-due", "--at", "2027-03-15T02:30"])
    assert again.exit_code == 0 and again.output == ""
    assert len(runs(db)) == 2


def test_before_its_time_a_job_does_not_run(app, db, team, runner):
    result = runner.invoke(args=["jobs", "run-due", "--at", "2027-03-15T01:59"])
    assert result.exit_code == 0 and result.output == ""
    assert runs(db) == []


def test_run_due_catches_up_every_job_of_the_day_that_has_not_run(app, db, team, runner, jobs):
    seen = []
    jobs.add("digest", "01:00", lambda team, when: seen.append((team.name, when)) or "digested")
    result = runner.invoke(args=["jobs", "run-due", "--at", "2027-03-15T05:00"])
    assert result.exit_code == 0, result.output
    assert "digest Harbor Realty Group: digested" in result.output
    assert "nightly_refresh Harbor Realty Group: 0 partners evaluated" in result.output
    assert seen[0] == ("Harbor Realty Group", datetime(2027, 3, 15, 1, 0))
    assert "prune Harbor Realty Group: " in result.output  # 03:30: due by 05:00 too
    assert len(runs(db)) == 6  # three jobs, two teams


def test_an_hourly_job_has_a_run_per_hour(app, db, team, jobs):
    hours = []
    jobs.add("morning", "00:00", lambda team, when: hours.append(when.hour) or "ok", hourly=True)
    periodic.run_due(datetime(2027, 3, 15, 2, 30))
    assert sorted(set(hours)) == [0, 1, 2]
    slots = [run.slot for run in runs(db, job="morning", team_id=team["agent"].team_id)]
    assert slots == ["2027-03-15T00:00", "2027-03-15T01:00", "2027-03-15T02:00"]
    periodic.run_due(datetime(2027, 3, 15, 3, 0))
    assert sorted(set(hours)) == [0, 1, 2, 3]
    assert len(hours) == 8  # each slot once per team


def test_each_team_runs_at_its_own_local_time(app, db, team):
    harbor = db.session.get(Team, team["agent"].team_id)
    harbor.timezone = "America/Los_Angeles"  # 00:05 there when it is 03:05 in New York
    db.session.commit()
    app.config["PARTNERPLAN_NOW"] = AFTER_TWO
    ran = periodic.run_due()
    assert [run.team.name for run in ran] == ["Rival Homes"]


# --- the tick (immediate mode) ---------------------------------------------------------


def test_the_tick_runs_what_is_due_and_only_once(app, db, booked):
    app.config["PARTNERPLAN_NOW"] = AFTER_TWO
    periodic.tick()
    periodic.tick()
    done = runs(db)
    assert [(run.status, run.attempts) for run in done] == [("done", 1), ("done", 1)]
    assert done[0].summary.startswith("1 partners evaluated")


def test_spring_forward_a_two_oclock_job_runs_at_three(app, db, team):
    # New York, Sunday 14 March 2027: 01:59 EST is followed by 03:00 EDT.
    app.config["PARTNERPLAN_NOW"] = "2027-03-14T06:59+00:00"
    periodic.tick()
    assert runs(db) == []
    app.config["PARTNERPLAN_NOW"] = "2027-03-14T07:00+00:00"
    periodic.tick()
    assert [(run.day.isoformat(), run.status) for run in runs(db)] == [("2027-03-14", "done")] * 2
    assert clock.local(runs(db)[0].started_at, "America/New_York") == datetime(2027, 3, 14, 3, 0)


def test_fall_back_a_job_in_the_repeated_hour_runs_once(app, db, team, jobs):
    # New York, Sunday 7 November 2027: 01:00-02:00 comes twice (EDT, then EST).
    calls = []
    jobs.add("half_past_one", "01:30", lambda team, when: calls.append(team.name) or "ran")
    app.config["PARTNERPLAN_NOW"] = "2027-11-07T05:30+00:00"  # 01:30 EDT
    periodic.tick()
    assert sorted(calls) == ["Harbor Realty Group", "Rival Homes"]
    app.config["PARTNERPLAN_NOW"] = "2027-11-07T06:30+00:00"  # 01:30 EST, again
    periodic.tick()
    app.config["PARTNERPLAN_NOW"] = "2027-11-07T07:05+00:00"  # 02:05 EST
    periodic.tick()
    assert len(calls) == 2
    assert len(runs(db, job="half_past_one")) == 2
    assert len(runs(db, job="nightly_refresh")) == 2  # and the nightly one ran, once each


# --- failures, retries, killed runs ----------------------------------------------------------


def test_a_failed_run_is_recorded_and_retried_with_backoff(app, db, team, runner, jobs):
    outcomes = iter([RuntimeError("the mail merge broke"), None])

    def flaky(team, when):
        if team.name == "Harbor Realty Group" and (error := next(outcomes)):
            raise error
        return "merged"

    jobs.add("merge", "01:00", flaky)
    app.config["PARTNERPLAN_NOW"] = AFTER_TWO
    result = runner.invoke(args=["jobs", "run-due"])
    assert result.exit_code == 1
    assert "merge Harbor Realty Group: failed: RuntimeError: the mail merge broke" in result.output
    failed = runs(db, job="merge", status="failed")[0]
    assert failed.attempts == 1 and failed.error == "RuntimeError: the mail merge broke"
    assert failed.next_attempt_at == clock.utcnow() + timedelta(minutes=5)

    assert runner.invoke(args=["jobs", "run-due"]).output == ""  # not before its retry time
    app.config["PARTNERPLAN_NOW"] = "2027-03-15T07:10+00:00"
    result = runner.invoke(args=["jobs", "run-due"])
    assert result.output == "merge Harbor Realty Group: merged\n"
    db.session.expire_all()
    retried = db.session.get(JobRun, failed.id)
    assert (retried.status, retried.attempts, retried.error) == ("done", 2, None)


def test_a_job_that_keeps_failing_stops_after_max_attempts(app, db, team, jobs):
    def broken(team, when):
        raise ValueError("no")

    jobs.add("broken", "01:00", broken)
    start = datetime(2027, 3, 15, 7, 5)
    for minutes in (0, 6, 17, 40, 120):  # retries due after 5, then 10 minutes
        app.config["PARTNERPLAN_NOW"] = (start + timedelta(minutes=minutes)).isoformat() + "+00:00"
        periodic.run_due()
    attempts = [run.attempts for run in runs(db, job="broken")]
    assert attempts == [periodic.MAX_ATTEMPTS] * 2
    assert {run.status for run in runs(db, job="broken")} == {"failed"}


def test_a_run_left_running_by_a_killed_worker_runs_again_after_its_lease(app, db, team):
    app.config["PARTNERPLAN_NOW"] = AFTER_TWO
    now, harbor = clock.utcnow(), team["agent"].team_id
    db.session.add(
        JobRun(team_id=harbor, job="nightly_refresh", day=datetime(2027, 3, 15).date(),
               slot="2027-03-15", status="running", started_at=now - timedelta(minutes=31),
               next_attempt_at=now - timedelta(minutes=1))
    )  # fmt: skip
    db.session.commit()
    ran = periodic.run_due()
    harbor_run = next(run for run in ran if run.team_id == harbor)
    assert (harbor_run.status, harbor_run.attempts) == ("done", 2)


def test_a_run_still_within_its_lease_is_left_alone(app, db, team):
    app.config["PARTNERPLAN_NOW"] = AFTER_TWO
    now, harbor = clock.utcnow(), team["agent"].team_id
    db.session.add(
        JobRun(team_id=harbor, job="nightly_refresh", day=datetime(2027, 3, 15).date(),
               slot="2027-03-15", status="running", started_at=now - timedelta(minutes=5),
               next_attempt_at=now + periodic.LEASE - timedelta(minutes=5))
    )  # fmt: skip
    db.session.commit()
    assert [run.team.name for run in periodic.run_due()] == ["Rival Homes"]


# --- two workers at once ------------------------------------------------------------------


def test_two_workers_claiming_the_same_slot_run_it_once(shared_app, jobs):
    _db.session.add(Team(name="Harbor Realty Group"))
    _db.session.commit()
    calls, results = [], []
    jobs.add("slow", "01:00", lambda team, when: calls.append(when) or wallclock.sleep(0.3) or "ok")
    job, when = periodic.PERIODIC["slow"], datetime(2027, 3, 15, 1, 0)
    start = threading.Barrier(2)

    def worker():
        with shared_app.app_context():
            team = _db.session.scalar(sa.select(Team))
            start.wait()
            row = periodic.run(job, team, when)
            results.append(row and row.status)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(calls) == 1
    assert sorted(results, key=str) == [None, "done"]
    assert len(runs(_db, job="slow")) == 1


# --- the admin's Jobs page -------------------------------------------------------------------


def test_jobs_page_lists_the_teams_runs_and_failures_in_team_time(app, db, booked, client, auth):
    app.config["PARTNERPLAN_NOW"] = AFTER_TWO
    periodic.run_due()
    rival = db.session.scalar(sa.select(Team).where(Team.name == "Rival Homes"))
    db.session.add(
        JobRun(team_id=booked["agent"].team_id, job="digest", day=datetime(2027, 3, 14).date(),
               slot="2027-03-14", status="failed", attempts=3, error="OSError: disk full",
               started_at=datetime(2027, 3, 14, 6, 0), finished_at=datetime(2027, 3, 14, 6, 1),
               next_attempt_at=datetime(2027, 3, 14, 6, 21))
    )  # fmt: skip
    db.session.commit()
    auth.login(booked["admin"])
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert "nightly_refresh" in page and "every day at 02:00" in page
    assert "1 partners evaluated" in page
    assert "15 Mar 2027, 03:05" in page  # 07:05 UTC, in New York
    assert "OSError: disk full" in page and "14 Mar 2027, 01:01" in page
    assert f"job-run-{runs(db, team_id=rival.id)[0].id}" not in page
    assert 'href="/admin/jobs"' in client.get("/admin/").get_data(as_text=True)


def test_jobs_page_is_for_admins_only(client, auth, team):
    auth.login(team["manager"])
    assert client.get("/admin/jobs").status_code == 404


# --- a real worker process -------------------------------------------------------------------


def worker_sees_a_job_run(tmp_path, redis_url: str | None) -> None:
    """Start `flask jobs worker` on a file database and wait for its tick to run the refresh."""
    database = f"sqlite:///{tmp_path / 'partnerplan.db'}"

    class FileConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = database

    app = create_app(FileConfig)
    with app.app_context():
        _db.create_all()
        harbor = Team(name="Harbor Realty Group")
        _db.session.add(harbor)
        _db.session.flush()
        make_partner(make_user(harbor, "sam@harbor.example"), "Debbie Stone")
        _db.session.commit()
        _db.engine.dispose()

    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "TEST_DATABASE_URL")}
    env.update(
        DATABASE_URL=database,
        PARTNERPLAN_INSTANCE=str(tmp_path / "instance"),
        PARTNERPLAN_NOW=AFTER_TWO,
        JOBS_IMMEDIATE="0",
        **({"REDIS_URL": redis_url} if redis_url else {}),
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker", "--workers", "2"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    engine = sa.create_engine(database)
    try:
        deadline, found = wallclock.monotonic() + 60, []
        while not found and wallclock.monotonic() < deadline and worker.poll() is None:
            wallclock.sleep(0.5)
            with engine.connect() as connection:
                found = connection.execute(
                    sa.text("SELECT status, summary FROM job_run WHERE status = 'done'")
                ).all()
    finally:
        worker.terminate()
        try:
            output = worker.communicate(timeout=15)[0]
        except subprocess.TimeoutExpired:
            worker.kill()
            output = worker.communicate()[0]
        engine.dispose()
    assert found, f"the worker ran no job within 60 s; its output:\n{output}"
    assert found[0].summary.startswith("1 partners evaluated")
    if not redis_url:
        assert (tmp_path / "instance" / "jobs.db").exists()  # the embedded queue


def test_a_worker_process_runs_the_due_jobs_on_the_sqlite_queue(tmp_path):
    worker_sees_a_job_run(tmp_path, None)


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL is not set")
def test_a_worker_process_runs_the_due_jobs_on_redis(tmp_path):
    worker_sees_a_job_run(tmp_path, os.environ["REDIS_URL"])


def test_a_run_that_outlived_its_lease_does_not_overwrite_the_run_that_took_over(
    app, db, team, jobs
):
    def slow(team, when):
        # Meanwhile the lease passed and another worker claimed the slot again.
        _db.session.execute(
            sa.update(JobRun)
            .where(JobRun.job == "slow", JobRun.team_id == team.id)
            .values(attempts=JobRun.attempts + 1, status="running", summary=None)
        )
        _db.session.commit()
        return "first run's summary"

    jobs.add("slow", "01:00", slow)
    app.config["PARTNERPLAN_NOW"] = AFTER_TWO
    harbor = next(t for t in periodic.teams() if t.name == "Harbor Realty Group")
    when = datetime(2027, 3, 15, 1, 0)
    assert periodic.run(periodic.PERIODIC["slow"], harbor, when) is None
    db.session.expire_all()
    [row] = runs(db, job="slow", team_id=harbor.id)
    assert (row.status, row.attempts, row.summary) == ("running", 2, None)
