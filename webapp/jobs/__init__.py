"""Background jobs: Huey runs them, our JobRun table records every run.

- `queue.py`: the Huey instance (Redis with REDIS_URL, else a SQLite file in
  the instance directory; immediate mode in tests) and `in_app_context`.
- `periodic.py`: the registry of periodic jobs, the per-minute tick, and the
  once-per-team-and-slot claim (how to add a job is told there).
- `nightly.py`: the nightly refresh of every team's recommendations, and
  the nightly backup of the whole database when BACKUP_DIR is set.
- `morning.py`: the morning email, at each user's hour (its content is
  `webapp/morning`), and the morning notification to those who opted in.
- `partner_report.py`: the quarterly report to partners who agreed (webapp/partner_report).
- `pruning.py`: every night, what is kept only for a while is deleted (old
  job runs, ended sessions, sent email, stale sign-in failure counts).
- `cli.py`: `flask jobs worker` (the Huey consumer) and `flask jobs run-due`.
- Outgoing mail goes through `webapp/outbox.py`, sent by a task of its own;
  notifications through `webapp/push/sender.py`, and webhooks through
  `webapp/webhooks/sender.py`, the same way.
"""

from flask import Flask


def init_app(app: Flask) -> None:
    """Bind Huey to the app's config; register the jobs and the `jobs` commands."""
    from . import (  # noqa: F401  (declare the tasks and periodic jobs)
        morning,
        nightly,
        partner_report,
        periodic,
        pruning,
        queue,
    )
    from .cli import jobs_cli

    queue.init_app(app)
    app.cli.add_command(jobs_cli)
