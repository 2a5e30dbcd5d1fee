"""`flask recommendations --as-of DAY --json` and `flask recommendations refresh`."""

import json
import os
from datetime import date

import click
import sqlalchemy as sa
from flask.cli import AppGroup, with_appcontext

from .. import clock
from ..extensions import analyze, db
from ..models import Partner, Team
from .lifecycle import Summary, evaluate
from .refresh import in_batches, refresh_batches


def _day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD).") from error


def _teams(team_id: int | None) -> list[Team]:
    query = sa.select(Team).order_by(Team.id)
    if team_id is not None:
        query = query.where(Team.id == team_id)
    teams = list(db.session.scalars(query))
    if team_id is not None and not teams:
        raise click.BadParameter(f"there is no team {team_id}.", param_hint="--team")
    return teams


@click.group(
    "recommendations",
    cls=AppGroup,
    invoke_without_command=True,
    help="Evaluate the rules for every partner (nothing stored), or `refresh` the stored ones.",
)
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="Evaluate as of this day.")
@click.option("--json", "as_json", is_flag=True, help="Print partnerplan JSON (BOOK_FORMAT.md).")
@click.option("--team", "team_id", type=int, help="Only this team.")
@click.pass_context
@with_appcontext
def recommendations_cli(ctx, as_of, as_json, team_id):
    if ctx.invoked_subcommand is not None:
        return
    asked, found, days = _day(as_of), [], []
    for team in _teams(team_id):
        day = asked or clock.today(team.timezone)  # each team's own day unless one is asked
        days.append(day)
        results = evaluate(team.id, day)
        partners = db.session.execute(
            sa.select(Partner.id, Partner.key, Partner.name).where(Partner.id.in_(list(results)))
        ).all()
        for partner in sorted(partners, key=lambda p: (p.key or "", p.id)):
            for rec in results[partner.id]:
                found.append(
                    {
                        "partner": partner.key or partner.id,
                        "partner_name": partner.name,
                        **rec.as_json(),
                    }
                )
    day = asked or (days[0] if days else clock.today("UTC"))
    if as_json:
        click.echo(json.dumps({"as_of": day.isoformat(), "recommendations": found}, indent=1))
        return
    for rec in found:
        due = f" due {rec['due']}" if rec["due"] else ""
        click.echo(f"{rec['partner']} {rec['partner_name']}: {rec['rule']}{due} — {rec['reason']}")
    noun = "recommendation" if len(found) == 1 else "recommendations"
    click.echo(f"{len(found)} {noun} as of {day.isoformat()}.")


def _shard(value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    try:
        k, n = (int(part) for part in value.split("/"))
    except ValueError:
        k = n = 0
    if not (n >= 1 and 1 <= k <= n):
        raise click.BadParameter("use K/N with 1 <= K <= N, e.g. 2/4.", param_hint="--shard")
    return k, n


@recommendations_cli.command("refresh")
@click.option("--team", "team_id", type=int, help="Only this team.")
@click.option("--shard", metavar="K/N", help="Only the K-th of N slices of the partners.")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="Evaluate as of this day.")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=os.cpu_count() or 1,
    show_default="the number of CPUs",
    help="Processes evaluating at once.",
)
def refresh(team_id, shard, as_of, workers):
    """Re-evaluate and store every partner's recommendations (e.g. nightly).

    Shards split the partners by id, so several machines sharing one
    database can each take a slice; workers split a machine's slice
    between its CPUs.
    """
    shard, day = _shard(shard), _day(as_of)
    batches = []
    for team in _teams(team_id):
        query = sa.select(Partner.id).where(Partner.team_id == team.id).order_by(Partner.id)
        if shard:
            query = query.where(Partner.id % shard[1] == shard[0] - 1)
        ids = list(db.session.scalars(query))
        batches += in_batches(team.id, ids)
    total = Summary()
    with click.progressbar(length=len(batches), label="Evaluating") as bar:
        for summary in refresh_batches(batches, day, workers):
            total.add(summary)
            bar.update(1)
    analyze("recommendation", "partner_evaluation")  # grown or shrunk: tell the planner
    click.echo(
        f"{total.partners} partners evaluated: {total.created} new recommendations, "
        f"{total.kept} still open, {total.closed} closed."
    )
