"""`flask teams create` and `flask users invite`: a team and its people from the
command line, each invited to choose their own password (never given one)."""

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from rules.vocabulary import ROLES

from ..extensions import db
from ..models import Team
from ..validation import EMAIL_MESSAGE, email_problem, timezone_problem
from . import invitations
from .credentials import user_of_email
from .links import Sent

teams_cli = AppGroup("teams", help="Create a team and invite its first admin.")
users_cli = AppGroup("users", help="Invite people to a team.")


def checked_email(email: str) -> str:
    email = email.strip()
    if email_problem(email) or len(email) > 254:
        raise click.BadParameter(EMAIL_MESSAGE, param_hint="EMAIL")
    return email


def say_sent(sent: Sent, email: str) -> None:
    """Tell who runs the command where the link went, or give it to them."""
    if sent.emailed:
        click.echo(f"Invitation emailed to {email}; the link works once, for 72 hours.")
    else:
        click.echo(f"No mail server is configured (MAIL_SERVER): give {email} this link,")
        click.echo("or open it yourself to choose the password (it works once, for 72 hours):")
        click.echo(f"  {sent.link}")


def invite_or_fail(team: Team, email: str, name: str | None, role: str) -> Sent:
    try:
        return invitations.invite(team, email, name or email.split("@")[0], role, None)
    except invitations.InvitationRefused as refused:
        db.session.rollback()
        raise click.ClickException(str(refused)) from None


@teams_cli.command("create")
@click.argument("name")
@click.option("--admin", "email", required=True, help="The email of the team's first admin.")
@click.option("--admin-name", help="Their name (default: the email's local part).")
@click.option("--timezone", default="America/New_York", show_default=True,
              help="The team's time zone (IANA name).")  # fmt: skip
def create_team(name: str, email: str, admin_name: str | None, timezone: str) -> None:
    """Create team NAME and invite its first admin, who chooses their own password."""
    name, email = name.strip(), checked_email(email)
    if not name or len(name) > 200:
        raise click.BadParameter("give the team a name of 1 to 200 characters", param_hint="NAME")
    if timezone_problem(timezone):
        raise click.BadParameter(
            f"{timezone!r} is not a time zone (e.g. America/New_York)", param_hint="--timezone"
        )
    if db.session.scalar(sa.select(Team.id).where(sa.func.lower(Team.name) == name.lower())):
        raise click.ClickException(f"There is already a team named {name!r}.")
    if invitations.email_taken(email):
        raise click.ClickException(invitations.REFUSED)
    team = Team(name=name, timezone=timezone)
    db.session.add(team)
    db.session.flush()
    sent = invite_or_fail(team, email, admin_name, "admin")
    click.echo(f"Team {name!r} created.")
    say_sent(sent, email)


@users_cli.command("invite")
@click.argument("email")
@click.option("--team", "team_name", required=True, help="The team to join.")
@click.option("--role", type=click.Choice(list(ROLES)), default="agent", show_default=True)
@click.option("--name", help="Their name (default: the email's local part; they can change it).")
def invite_user(email: str, team_name: str, role: str, name: str | None) -> None:
    """Invite EMAIL to a team: they choose their own password from the link.

    A user of the team who has no password yet (imported) is invited to choose one.
    """
    email = checked_email(email)
    team = db.session.scalar(sa.select(Team).where(Team.name == team_name))
    if team is None:
        raise click.ClickException(f"There is no team named {team_name!r}.")
    user = user_of_email(email)
    if user is not None and user.team_id == team.id and not user.password_hash and user.active:
        say_sent(invitations.invite_user(user, None), email)  # imported, not invited yet
    else:
        say_sent(invite_or_fail(team, email, name, role), email)
