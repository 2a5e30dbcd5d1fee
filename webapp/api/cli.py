"""`flask tokens create|list|revoke`: personal access tokens from the command line,
for a script set up by whoever runs the server (the page is More → API tokens)."""

import click
from flask.cli import AppGroup
from werkzeug.datastructures import MultiDict

from .. import clock
from ..auth.credentials import user_of_email
from ..extensions import db
from ..models import ApiToken, User
from . import tokens

tokens_cli = AppGroup("tokens", help="Personal access tokens for the JSON API (/api/v1).")


def active_user(email: str) -> User:
    user = user_of_email(email)
    if user is None:
        raise click.ClickException(f"There is no account {email!r}.")
    if not user.active:
        raise click.ClickException(f"{user.email} is deactivated: their tokens would not work.")
    return user


@tokens_cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help="What the token is for (up to 80 characters).")
@click.option("--scope", type=click.Choice(list(tokens.SCOPES)), default="read", show_default=True,
              help="read, or write (which also reads).")  # fmt: skip
@click.option("--days", type=click.IntRange(1, 3650),
              help="It works through the Nth day from today (default: no expiry).")  # fmt: skip
def create_token(email: str, name: str, scope: str, days: int | None) -> None:
    """Make a token for EMAIL's account and print it, alone on the last line.

    It is shown this once: only its hash is kept."""
    from ..account.forms import NewTokenForm

    user = active_user(email)
    form = NewTokenForm(
        formdata=MultiDict({"name": name, "scope": scope, "lifetime": ""}), meta={"csrf": False}
    )
    if not form.validate():  # the page's rules for the name
        raise click.BadParameter(" ".join(form.name.errors), param_hint="--name")
    row, secret = tokens.issue(user, form.name.data, scope, days, by=None)
    db.session.commit()
    last = tokens.last_day(row, user.team.timezone)
    until = f"through {last:%d %b %Y}" if last else "with no expiry"
    click.echo(f"Token {row.name!r} ({scope}) for {user.email}, {until}. Keep it now:")
    click.echo(secret)


@tokens_cli.command("list")
@click.argument("email")
def list_tokens(email: str) -> None:
    """EMAIL's tokens: id, shown prefix, name, scope, status, last day."""
    user = user_of_email(email)
    if user is None:
        raise click.ClickException(f"There is no account {email!r}.")
    for row in tokens.tokens_of(user):
        last = tokens.last_day(row, user.team.timezone)
        click.echo(
            f"{row.id}\t{row.prefix}…\t{row.name}\t{row.scope}\t{tokens.status(row)}"
            f"\t{last or 'no expiry'}"
        )


@tokens_cli.command("revoke")
@click.argument("token_id", type=int)
def revoke_token(token_id: int) -> None:
    """Revoke token TOKEN_ID (the id `tokens list` shows): it stops working at once."""
    row = db.session.get(ApiToken, token_id)
    if row is None:
        raise click.ClickException(f"There is no token {token_id}.")
    if tokens.revoke(row, by=None):
        db.session.commit()
        click.echo(f"Token {row.name!r} ({row.prefix}…) revoked at {clock.utcnow():%H:%M} UTC.")
    else:
        click.echo(f"Token {row.name!r} ({row.prefix}…) was already revoked.")
