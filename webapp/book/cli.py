"""`flask book import FILE` and `flask book export [FILE]`."""

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from ..auth import invitations
from ..auth.cli import say_sent
from ..extensions import db
from ..models import Team, User
from .exporter import dumps, export_book
from .importer import BookRefused, import_book, read_document
from .validation import FORMAT

book_cli = AppGroup("book", help=f"Import and export a team's partner book ({FORMAT}).")


@book_cli.command("import")
@click.argument("file", type=click.File("rb"))
@click.option("--invite", is_flag=True, help="Invite the file's active users to choose a password.")
def import_command(file, invite: bool) -> None:
    """Import FILE ('-' for stdin) as a new team: all of it, or nothing.

    Every problem is listed with its path and the exit status is 1 when
    the file is refused. Imported users have no password: with --invite each
    active one gets an invitation to choose theirs (else an admin of the team
    sends it from the Admin page).
    """
    try:
        summary = import_book(read_document(file.read()))
    except BookRefused as refused:
        for problem in refused.problems:
            click.echo(str(problem), err=True)
        click.echo(f"Nothing was imported: {len(refused.problems)} problem(s).", err=True)
        raise SystemExit(1) from None
    click.echo(str(summary))
    if not invite:
        click.echo("Imported users have no password yet: run again with --invite, or an admin")
        click.echo("of the team sends each an invitation from the Admin page.")
        return
    users = db.session.scalars(
        sa.select(User)
        .where(User.team_id == summary.team.id, User.active.is_(True), User.password_hash.is_(None))
        .order_by(User.id)
    )
    for user in users:
        say_sent(invitations.invite_user(user, None), user.email)


@book_cli.command("export")
@click.argument("file", type=click.File("w", encoding="utf-8"), default="-")
@click.option("--team", "team_name", help="The team to export (needed when there are several).")
def export_command(file, team_name: str | None) -> None:
    """Write a team's whole book to FILE (standard output without FILE)."""
    teams = list(db.session.scalars(sa.select(Team).order_by(Team.name)))
    if team_name is not None:
        teams = [team for team in teams if team.name == team_name]
        if not teams:
            raise click.ClickException(f"There is no team named {team_name!r}.")
    if not teams:
        raise click.ClickException("There is no team to export.")
    if len(teams) > 1:
        names = ", ".join(repr(team.name) for team in teams)
        raise click.ClickException(f"Several teams ({names}): choose one with --team NAME.")
    file.write(dumps(export_book(teams[0])))
