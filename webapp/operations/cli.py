"""`flask db copy --to URL` and `flask backup create|list|restore`.

`copy` joins Flask-Migrate's `db` group: it is an operation on the database
as a whole, beside `db upgrade`, and whoever moves a database looks there.
"""

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from flask_migrate.cli import db as db_group

from ..extensions import db
from . import backups
from .dbcopy import CopyRefused, copy_database

backup_cli = AppGroup("backup", help="Back up the database while the app runs, list, restore.")


@db_group.command("copy")
@click.option("--to", "to", required=True, metavar="postgresql://…",
              help="An empty PostgreSQL database (upgraded to the head first).")  # fmt: skip
@with_appcontext
def copy_command(to: str) -> None:
    """Copy every table of this database into an empty PostgreSQL database.

    Then count each table on both sides: exit status 1 (and nothing kept) when
    any count differs. Stop the web server and the worker first: what they
    write after the copy has started is not copied.
    """
    try:
        # Progress on standard error (a large team takes a while); the counts on standard output.
        counted = copy_database(db.engine, to, say=lambda line: click.echo(line, err=True))
    except CopyRefused as refused:
        raise click.ClickException(str(refused)) from None
    width = max(len(row.table) for row in counted)
    click.echo(f"{'table':{width}}  {'here':>9}  {'copied':>9}")
    for row in counted:
        mark = "" if row.same else "  MISMATCH"
        click.echo(f"{row.table:{width}}  {row.source:>9}  {row.target:>9}{mark}")
    if not all(row.same for row in counted):
        click.echo("The counts differ: nothing was kept in the target.", err=True)
        sys.exit(1)
    total = sum(row.target for row in counted)
    click.echo(f"Copied {total} rows in {len(counted)} tables; every count matches.")
    click.echo("Now set DATABASE_URL to the new database and start the app.")


def backup_dir(directory: str | None) -> Path:
    return Path(
        directory or current_app.config["BACKUP_DIR"] or current_app.config["BACKUP_DEFAULT_DIR"]
    )


@backup_cli.command("create")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
def create_command(directory: str | None) -> None:
    """Take a backup into DIRECTORY (default: BACKUP_DIR, else instance/backups),
    keep the newest BACKUP_KEEP there, and print its path."""
    try:
        path = backups.create(db.engine, backup_dir(directory), current_app.config["BACKUP_KEEP"])
    except backups.BackupFailed as failed:
        raise click.ClickException(str(failed)) from None
    click.echo(str(path))


@backup_cli.command("list")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
def list_command(directory: str | None) -> None:
    """The backups in DIRECTORY, oldest first: path, size, when (UTC)."""
    found = backups.listing(backup_dir(directory))
    if not found:
        click.echo("No backups.")
    for backup in found:
        size = backup.path.stat().st_size
        click.echo(f"{backup.path}  {size:>12,} bytes  {backup.taken:%Y-%m-%d %H:%M:%S} UTC")


@backup_cli.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--to", "to", required=True, metavar="PATH|postgresql://…",
              help="A new SQLite file (.sqlite3), or an empty PostgreSQL db (.dump).")  # fmt: skip
def restore_command(file: str, to: str) -> None:
    """Restore FILE into an empty target; the app is then pointed at it (DATABASE_URL)."""
    try:
        where = backups.restore(file, to)
    except backups.BackupFailed as failed:
        raise click.ClickException(str(failed)) from None
    click.echo(f"Restored into {where}.")
