"""What `make bench` measures, each as seconds, rates and ratios to a floor."""

from __future__ import annotations

import os
import random
import sqlite3
import statistics
import time
from datetime import date, datetime
from pathlib import Path

from bench import features
from bench.generate import PASSWORD, agent_email
from bench.server import Client, gunicorn

REFRESH_BATCH = 500


def percentiles(seconds: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(seconds, n=100, method="inclusive")
    return {"p50_ms": cuts[49] * 1000, "p95_ms": cuts[94] * 1000, "n": len(seconds)}


def floor_pass(db_path: Path) -> dict[str, float]:
    """The floor: one bare SQL pass reading every partner's whole history."""
    started = time.perf_counter()
    connection = sqlite3.connect(db_path)
    rows = 0
    for query in (
        "SELECT id, tier, met_on, birthday, anniversary, commitment_made_on, first_referral_by, "
        "do_not_contact, created_at FROM partner",
        "SELECT partner_id, at, kind, direction, outcome, sentiment, disrespectful "
        "FROM interaction ORDER BY partner_id, at",
        "SELECT partner_id, referred_on, direction FROM referral ORDER BY partner_id, referred_on",
        "SELECT partner_id, starts_at, status FROM planning_session",
    ):
        for _ in connection.execute(query):
            rows += 1
    connection.close()
    return {"seconds": time.perf_counter() - started, "rows": rows}


def app_for(db_path: Path, today: date):
    from config import Config
    from webapp import create_app

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{db_path.resolve()}"
        PARTNERPLAN_NOW = today.isoformat()

    return create_app(BenchConfig)


def full_refresh(app, today: date, floor_seconds: float, workers: int | None = None) -> dict:
    """`recommendations refresh` over every partner, as the CLI does it (batches of
    500, as many worker processes as CPUs, the planner's statistics refreshed)."""
    refresh = features.refresh_batches()
    if refresh is None:
        return {"status": "not available: webapp.recommendations is not on main yet"}
    import sqlalchemy as sa

    from webapp.extensions import analyze, db
    from webapp.models import Partner

    workers = workers or os.cpu_count() or 1
    with app.app_context():
        rows = db.session.execute(
            sa.select(Partner.team_id, Partner.id).order_by(Partner.team_id, Partner.id)
        ).all()
        by_team: dict[int, list[int]] = {}
        for team_id, partner_id in rows:
            by_team.setdefault(team_id, []).append(partner_id)
        batches = [
            (team_id, ids[i : i + REFRESH_BATCH])
            for team_id, ids in by_team.items()
            for i in range(0, len(ids), REFRESH_BATCH)
        ]
        started = time.perf_counter()
        counts = {"created": 0, "kept": 0, "closed": 0}
        for summary in refresh(batches, today, workers):
            for name in counts:
                counts[name] += getattr(summary, name)
        analyze("recommendation", "partner_evaluation")
        seconds = time.perf_counter() - started
    partners = len(rows)
    return {
        "seconds": seconds,
        "partners": partners,
        "workers": workers,
        "partners_per_second": partners / seconds,
        **counts,
        "ratio_to_floor": seconds / floor_seconds,
        "target_seconds": 6.0,
    }


def engines(app, today: date) -> dict:
    """The durable_rules engine against the Python interpreter, on the same facts."""
    team_facts, fired, settings_of = (
        features.team_facts(),
        features.fired(),
        features.current_settings(),
    )
    if not (team_facts and fired and settings_of):
        return {"status": "not available: the rules engine is not on main yet"}
    import sqlalchemy as sa

    from webapp.extensions import db
    from webapp.models import Team

    with app.app_context():
        team_id = db.session.scalar(sa.select(Team.id).limit(1))
        facts = list(team_facts(team_id, today).values())
        settings = settings_of(team_id)[1]
    result = {"partners": len(facts)}
    outputs = {}
    runs = {
        "python": lambda f: fired(f, settings, "python"),
        # durable_rules as the product runs it: asked once per pattern of comparisons.
        "durable": lambda f: fired(f, settings, "durable"),
    }
    each = features.durable_evaluate()
    if each:  # durable_rules asked about every partner, one session each
        runs["durable_each"] = lambda f: each(f, settings)
    for engine, run in runs.items():
        started = time.perf_counter()
        outputs[engine] = [run(f) for f in facts]
        seconds = time.perf_counter() - started
        result[engine] = {"seconds": seconds, "partners_per_second": len(facts) / seconds}
    result["durable_to_python"] = result["durable"]["seconds"] / result["python"]["seconds"]
    result["agree"] = all(output == outputs["python"] for output in outputs.values())
    return result


def http_timings(db_path: Path, today: date, requests: int = 500) -> dict:
    """Log-and-refresh, search and Today through a real server, with a trivial route as floor."""
    rng = random.Random(11)
    result: dict = {}
    with gunicorn(f"sqlite:///{db_path.resolve()}", workers=1, today=today.isoformat()) as base:
        client = Client(base)
        client.log_in(agent_email(1), PASSWORD)
        connection = sqlite3.connect(db_path)
        partner_ids = [
            row[0]
            for row in connection.execute(
                "SELECT partner.id FROM partner JOIN user ON user.id = partner.owner_id "
                "WHERE user.email = ? AND archived_at IS NULL",
                (agent_email(1),),
            )
        ]
        names = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM partner WHERE owner_id = (SELECT id FROM user WHERE email = ?)",
                (agent_email(1),),
            )
        ]
        connection.close()

        def timed(label, make_request, expect=(200,)):
            seconds, sizes, errors = [], [], 0
            for _ in range(requests):
                status, body, elapsed = make_request()
                seconds.append(elapsed)
                sizes.append(len(body.encode()))
                errors += status not in expect
            result[label] = {
                **percentiles(seconds),
                "errors": errors,
                "median_bytes": statistics.median(sizes),
            }

        # Warm up the worker (imports, first queries, template compilation).
        for _ in range(20):
            client.get("/static/app.css")
            client.get("/today", htmx=True)
        timed("trivial", lambda: client.get("/static/app.css"))
        at = datetime.combine(today, datetime.min.time()).replace(hour=8)

        def log_one():
            form = {
                "kind": "call",
                "direction": "outbound",
                "outcome": "connected",
                "sentiment": "positive",
                "at": at.strftime("%Y-%m-%dT%H:%M"),
                "minutes": "5",
            }
            return client.post(
                f"/logbook/partners/{rng.choice(partner_ids)}/interactions",
                form,
                htmx=True,
                target="logbook",
            )

        timed("log_interaction", log_one)
        timed(
            "search",
            lambda: client.get(
                "/partners/?q=" + rng.choice(names).split()[1][:4].lower(), htmx=True
            ),
        )
        timed("today", lambda: client.get("/today"))
    trivial = result["trivial"]["p95_ms"]
    for label, target in (("log_interaction", 30), ("search", 50), ("today", 50)):
        result[label]["ratio_to_trivial_p95"] = result[label]["p95_ms"] / trivial
        result[label]["target_p95_ms"] = target
    return result


def bench_team_rules(count: int = 20) -> list[dict]:
    """`count` rules of a team's own (rules/team.py), varied as a team would write
    them: professions and tiers, days since contact or referrals, windows of
    referrals counted (each a fact more to compute), client types, sources."""
    professions = ["lender", "attorney", "cpa", "financial_planner", "insurance", "inspector"]
    client_types = ["first_time_buyers", "move_up", "luxury", "retirees_estate", "investors"]
    rules = []
    for n in range(count):
        conditions = [
            {"fact": "profession", "op": "==", "value": professions[n % len(professions)]},
            {"fact": "tier", "op": "==", "value": ("maintain", "cultivate")[n % 2]},
        ]
        if n % 4 == 0:
            conditions.append({"fact": "live_contact_ago", "op": ">=", "value": 10 + n})
        elif n % 4 == 1:
            window = (30, 90, 180)[n % 3]
            conditions.append({"fact": f"received_last_{window}_days", "op": ">=", "value": 1})
        elif n % 4 == 2:
            kind = client_types[n % len(client_types)]
            conditions.append({"fact": f"client_{kind}", "op": "==", "value": True})
        else:
            conditions.append({"fact": "source", "op": "!=", "value": "bni"})
            conditions.append({"fact": "received_1_ago", "op": ">", "value": 60 + n})
        tier_move = n % 5 == 4
        rules.append(
            {
                "slug": f"bench-{n}",
                "name": f"Bench rule {n}",
                "enabled": True,
                # "all": a rule for a kind of partner, as a team writes them ("any"
                # over a profession and a tier would hold for half the book).
                "match": "all",
                "conditions": conditions,
                "action": None if tier_move else ("coffee", "call", "lunch")[n % 3],
                "due_days": n % 7,
                "tier_to": "cultivate" if tier_move else None,
                "priority": 15 + 5 * n,
                "reason": "{name} ({profession}, {tier}): last live contact {live_contact_on}",
            }
        )
    return rules


def team_rules(db_path: Path, day: date, floor_seconds: float, count: int = 20) -> dict:
    """A full refresh with the catalogue alone, then with `count` team rules of
    every team's own, each into an empty recommendation table; the ratio of the
    two. The team rules' versions are removed afterwards, and the
    recommendations emptied (this step runs last)."""
    if features.refresh_batches() is None:
        return {"status": "not available"}
    import sqlalchemy as sa

    from webapp.extensions import db
    from webapp.models import Recommendation, RuleSettings, Team

    def empty(app) -> None:
        with app.app_context():
            db.session.execute(sa.delete(Recommendation))
            db.session.execute(sa.text("DELETE FROM partner_evaluation"))
            db.session.commit()

    app = app_for(db_path, day)
    definitions = bench_team_rules(count)

    def refresh() -> dict:
        empty(app)
        return full_refresh(app, day, floor_seconds)

    def add_rules() -> list[int]:
        with app.app_context():
            added = []
            for team_id in db.session.scalars(sa.select(Team.id)):
                last = db.session.scalar(
                    sa.select(RuleSettings)
                    .where(RuleSettings.team_id == team_id)
                    .order_by(RuleSettings.version.desc())
                    .limit(1)
                )
                row = RuleSettings(
                    team_id=team_id,
                    version=(last.version if last else 0) + 1,
                    values=last.values if last else {},
                    team_rules=definitions,
                )
                db.session.add(row)
                added.append(row)
            db.session.commit()
            return [row.id for row in added]

    def remove_rules(added_ids: list[int]) -> None:
        with app.app_context():
            db.session.execute(sa.delete(RuleSettings).where(RuleSettings.id.in_(added_ids)))
            db.session.commit()

    # Each twice, in turns, the faster kept: the first run of a process warms
    # caches that the second finds, and other work on the machine comes and goes.
    alones, withs = [], []
    for _ in range(2):
        alones.append(refresh())
        added_ids = add_rules()
        try:
            withs.append(refresh())
        finally:
            remove_rules(added_ids)
    empty(app)
    alone = min(alones, key=lambda run: run["seconds"])
    with_rules = min(withs, key=lambda run: run["seconds"])
    return {
        "rules": count,
        "catalogue_seconds": alone["seconds"],
        "with_team_rules_seconds": with_rules["seconds"],
        "partners": with_rules["partners"],
        "workers": with_rules["workers"],
        "created_alone": alone["created"],
        "created_with_team_rules": with_rules["created"],
        "ratio_to_catalogue": with_rules["seconds"] / alone["seconds"],
        "target_ratio": 1.5,
    }
