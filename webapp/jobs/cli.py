"""`flask jobs worker` and `flask jobs run-due [--at YYYY-MM-DDTHH:MM]`."""

import logging
import sys
from datetime import datetime

import click
from flask.cli import AppGroup

from .. import clock, outbox
from ..push import sender as push_sender
from ..webhooks import sender as webhook_sender
from . import nightly, periodic
from .queue import huey

jobs_cli = AppGroup("jobs", help="Background jobs: the worker, or what is due run here and now.")


@jobs_cli.command("worker")
@click.option("--workers", type=click.IntRange(1, 32), default=2, show_default=True,
              help="Tasks run at once (threads).")  # fmt: skip
def worker(workers):
    """Run the Huey consumer: the per-minute tick and every task the web app enqueues."""
    if huey.immediate:
        raise click.UsageError("JOBS_IMMEDIATE is set: tasks run where they are enqueued.")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    # A worker killed while sending would leave the outbox lock held for ever, and no
    # worker would send again: a starting worker clears it. (Should two worker
    # processes then send at once, each message is still claimed by one of them.)
    huey.create_consumer(
        workers=workers, worker_type="thread", periodic=True, flush_locks=True
    ).run()


@jobs_cli.command("run-due")
@click.option("--at", "at", metavar="YYYY-MM-DDTHH:MM",
              help="Each team's local wall time to run at (default: now).")  # fmt: skip
def run_due(at):
    """Run every periodic job due today and not yet run (and the nightly backup when it
    is due), then send the outbox, the pushes and the webhooks.

    Synchronous and to completion, with no worker: one line per job run.
    Exits 1 when a job failed (it is retried later, like any run).
    """
    try:
        moment = datetime.fromisoformat(at) if at else None
    except ValueError as error:
        raise click.BadParameter(f"{at!r} is not YYYY-MM-DDTHH:MM.", param_hint="--at") from error
    if moment and moment.tzinfo:
        raise click.BadParameter("give a wall time, without an offset.", param_hint="--at")
    runs = periodic.run_due(moment)
    for row in runs:
        outcome = row.summary if row.status == "done" else f"failed: {row.error}"
        click.echo(f"{row.job} {row.team.name}: {outcome}")
    if nightly.backup_due(clock.utcnow()) and (path := nightly.nightly_backup.call_local()):
        click.echo(f"backup: {path}")
    if sent := outbox.send_queued():
        click.echo(f"outbox: {sent} email{'s' if sent != 1 else ''} sent")
    if pushed := push_sender.send_queued():
        click.echo(f"push: {pushed} notification{'s' if pushed != 1 else ''} pushed")
    if delivered := webhook_sender.send_queued():
        click.echo(f"webhooks: {delivered} deliver{'ies' if delivered != 1 else 'y'} sent")
    if any(row.status == "failed" for row in runs):
        sys.exit(1)
