"""What `make bench` measures, each as seconds, rates and ratios to a floor."""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime

from bench import features
from bench.database import ROOT, Database
from bench.generate import MANAGER_EMAIL, PASSWORD, agent_email
from bench.server import Client, gunicorn, log_form

REFRESH_BATCH = 500


def percentiles(seconds: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(seconds, n=100, method="inclusive")
    return {"p50_ms": cuts[49] * 1000, "p95_ms": cuts[94] * 1000, "n": len(seconds)}


FLOOR_QUERIES = (
    "SELECT id, tier, met_on, birthday, anniversary, commitment_made_on, first_referral_by, "
    "do_not_contact, created_at FROM partner",
    "SELECT partner_id, at, kind, direction, outcome, sentiment, disrespectful "
    "FROM interaction ORDER BY partner_id, at",
    "SELECT partner_id, referred_on, direction FROM referral ORDER BY partner_id, referred_on",
    "SELECT partner_id, starts_at, status FROM planning_session",
)


def floor_pass(database: Database) -> dict[str, float]:
    """The floor: one bare SQL pass reading every partner's whole history
    (the driver's own cursor; a server-side one on PostgreSQL)."""
    started = time.perf_counter()
    rows = 0
    if database.kind == "sqlite":
        connection = sqlite3.connect(database.path)
        for query in FLOOR_QUERIES:
            for _ in connection.execute(query):
                rows += 1
        connection.close()
    else:
        import psycopg

        url = database.url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(url) as connection:
            for n, query in enumerate(FLOOR_QUERIES):
                with connection.cursor(name=f"floor{n}") as cursor:
                    cursor.itersize = 10_000
                    cursor.execute(query)
                    for _ in cursor:
                        rows += 1
    return {"seconds": time.perf_counter() - started, "rows": rows}


def app_for(database: Database, today: date, **settings):
    from config import Config
    from webapp import create_app

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = database.url
        PARTNERPLAN_NOW = today.isoformat()

    for name, value in settings.items():
        setattr(BenchConfig, name, value)
    return create_app(BenchConfig)


def full_refresh(
    app, today: date, floor_seconds: float, target: float, workers: int | None = None
) -> dict:
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
        "target_seconds": target,
    }


SUMMARY = re.compile(
    r"(\d+) partners evaluated: (\d+) new recommendations, (\d+) still open, (\d+)"
)


def sharded_refresh(
    database: Database, day: date, floor_seconds: float, target: float, shards: int = 2
) -> dict:
    """The nightly refresh as `shards` processes of the CLI started together
    (`flask recommendations refresh --shard K/N --as-of DAY --workers 1`): the
    wall time until the last ends (their start-up included), and each one's
    peak memory."""
    instance = tempfile.mkdtemp(prefix="partnerplan-bench-")
    env = dict(
        os.environ,
        DATABASE_URL=database.url,
        PARTNERPLAN_INSTANCE=instance,
        SECRET_KEY="bench-secret",
        PYTHONPATH=str(ROOT),
    )
    env.pop("TEST_DATABASE_URL", None)
    started = time.perf_counter()
    processes = []
    for k in range(1, shards + 1):
        out = open(os.path.join(instance, f"shard{k}.log"), "w+")  # noqa: SIM115
        command = [sys.executable, "-m", "flask", "--app", "wsgi", "recommendations"]
        command += ["refresh", "--shard", f"{k}/{shards}", "--as-of", day.isoformat()]
        process = subprocess.Popen(
            [*command, "--workers", "1"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
        processes.append((process, out))
    counts = {"partners": 0, "created": 0, "kept": 0, "closed": 0}
    peaks, failures = [], []
    for process, out in processes:
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        peaks.append(usage.ru_maxrss * 1024)  # kilobytes on Linux
        out.seek(0)
        text = out.read()
        out.close()
        if process.returncode != 0 or not (found := SUMMARY.search(text)):
            failures.append(text[-500:])
            continue
        for name, value in zip(counts, found.groups(), strict=True):
            counts[name] += int(value)
    seconds = time.perf_counter() - started
    shutil.rmtree(instance, ignore_errors=True)
    if failures:
        return {"status": f"failed: {failures[0]}"}
    return {
        "seconds": seconds,
        "shards": shards,
        "workers": shards,
        "partners_per_second": counts["partners"] / seconds,
        **counts,
        "peak_rss_bytes": max(peaks),
        "ratio_to_floor": seconds / floor_seconds,
        "target_seconds": target,
    }


def profile(run, top: int = 15) -> list[str]:
    """The `top` functions by cumulative time while `run()` runs, as pstats prints them."""
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        run()
    finally:
        profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    # The product's own functions and the driver's execute: the framework's
    # layers above them only repeat the total.
    stats.sort_stats("cumulative").print_stats(r"webapp/|rules/|method 'execute'|commit", top)
    lines = out.getvalue().splitlines()
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    root = str(ROOT) + "/"
    return [line.replace(root, "").rstrip() for line in lines[start:] if line.strip()]


def profile_refresh(app, day: date, batches: int = 4) -> list[str]:
    """A cProfile of the nightly refresh in this process: `batches` batches of
    partners (workers=1), as one worker process runs them."""
    refresh = features.refresh_batches()
    import sqlalchemy as sa

    from webapp.extensions import db
    from webapp.models import Partner

    with app.app_context():
        team_id, *_ = db.session.execute(sa.select(Partner.team_id).limit(1)).one()
        ids = list(
            db.session.scalars(
                sa.select(Partner.id).order_by(Partner.id).limit(batches * REFRESH_BATCH)
            )
        )
        chunks = [(team_id, ids[i : i + REFRESH_BATCH]) for i in range(0, len(ids), REFRESH_BATCH)]
        return profile(lambda: list(refresh(chunks, day, 1)))


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


def people(database: Database) -> dict:
    """Whom the pages are measured for: agent 001 (a book of partners/agents
    partners) and the manager (the whole team's), each with the partners they
    see and the names to search for."""
    agent = database.rows(
        'SELECT p.id, p.name FROM partner p JOIN "user" u ON u.id = p.owner_id '
        "WHERE u.email = :email AND p.archived_at IS NULL ORDER BY p.id",
        email=agent_email(1),
    )
    team = database.rows("SELECT id, name FROM partner WHERE archived_at IS NULL ORDER BY id")
    return {
        "agent": {"email": agent_email(1), "partners": agent},
        "manager": {"email": MANAGER_EMAIL, "partners": team},
    }


# Per page: its target p95 in ms for an agent's book; a manager's may take twice it.
TARGETS_MS = {"log_interaction": 15, "today": 20, "search": 20, "partner_page": 20}
MANAGER_FACTOR = 2


def page_requests(client: Client, partners: list[tuple[int, str]], rng: random.Random) -> dict:
    """The measured pages, each a function making one request."""

    def search():
        name = rng.choice(partners)[1]
        return client.get("/partners/?q=" + name.split()[1][:4].lower(), htmx=True)

    return {
        "today": lambda: client.get("/today"),
        "search": search,
        "partner_page": lambda: client.get(f"/partners/{rng.choice(partners)[0]}"),
    }


MIN_REQUESTS = 30


def http_timings(
    database: Database, today: date, requests: int = 500, budget: float = 60.0
) -> dict:
    """Log-and-refresh, Today, search and the partner page through a real server
    (one worker), for an agent and for the manager, with a trivial route as
    floor; the worker's peak memory. Each measure makes `requests` requests,
    or as many as `budget` seconds allow (MIN_REQUESTS at least)."""
    rng = random.Random(11)
    result: dict = {"agent": {}, "manager": {}}
    who = people(database)
    memory: dict = {}
    with gunicorn(database.url, workers=1, today=today.isoformat(), memory=memory) as base:

        def timed(into: dict, label, make_request, expect=(200,)):
            seconds, sizes, errors = [], [], 0
            deadline = time.monotonic() + budget
            for n in range(requests):
                # A slow page (a manager's at 10×) gets its time, not a set count.
                if n >= MIN_REQUESTS and time.monotonic() > deadline:
                    break
                status, body, elapsed = make_request()
                seconds.append(elapsed)
                sizes.append(len(body.encode()))
                errors += status not in expect
            into[label] = {
                **percentiles(seconds),
                "errors": errors,
                "median_bytes": statistics.median(sizes),
            }

        client = Client(base)
        client.log_in(who["agent"]["email"], PASSWORD)
        agent_partners = who["agent"]["partners"]
        # Warm up the worker (imports, first queries, template compilation).
        for _ in range(20):
            client.get("/static/app.css")
            client.get("/today", htmx=True)
        timed(result, "trivial", lambda: client.get("/static/app.css"))
        at = datetime.combine(today, datetime.min.time()).replace(hour=8)

        def log_one():
            form = log_form("call", at.strftime("%Y-%m-%dT%H:%M"), minutes=5)
            return client.post(
                f"/logbook/partners/{rng.choice(agent_partners)[0]}/interactions",
                form,
                htmx=True,
                target="logbook",
            )

        timed(result["agent"], "log_interaction", log_one)
        for label, request in page_requests(client, agent_partners, rng).items():
            timed(result["agent"], label, request)
        manager = Client(base)
        manager.log_in(who["manager"]["email"], PASSWORD)
        for _ in range(5):
            manager.get("/today")
        for label, request in page_requests(manager, who["manager"]["partners"], rng).items():
            timed(result["manager"], label, request)
    result["worker_peak_rss_bytes"] = memory.get("peak_bytes")
    result["budget_seconds"] = budget
    result["agent"]["partners"] = len(agent_partners)
    result["manager"]["partners"] = len(who["manager"]["partners"])
    trivial = result["trivial"]["p95_ms"]
    for role, factor in (("agent", 1), ("manager", MANAGER_FACTOR)):
        for label, target in TARGETS_MS.items():
            if label in result[role]:
                result[role][label]["ratio_to_trivial_p95"] = (
                    result[role][label]["p95_ms"] / trivial
                )
                result[role][label]["target_p95_ms"] = target * factor
    return result


SCAN = re.compile(
    r"(Seq Scan|Index Only Scan|Index Scan|Bitmap Index Scan)(?: Backward)?"
    r"(?: using (\w+))? on (\w+)"
)


def explain_pages(
    database: Database, day: date, profile_pages: set[tuple[str, str]] = frozenset()
) -> dict:
    """The SELECTs one request of each page issues (for the agent and the
    manager), each run again under `EXPLAIN ANALYZE` with its parameters
    (PostgreSQL; `EXPLAIN QUERY PLAN` on SQLite): which indexes they use,
    any sequential scan, and how long the database took. `profile_pages`:
    (role, page) pairs to profile too (cProfile over 20 requests in this
    process)."""
    import sqlalchemy as sa

    from webapp.extensions import db

    who = people(database)
    app = app_for(database, day, WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False)
    found: dict = {}
    for role in ("agent", "manager"):
        client = app.test_client()
        status = client.post(
            "/auth/login", data={"email": who[role]["email"], "password": PASSWORD}
        ).status_code
        if status not in (302, 303):
            raise RuntimeError(f"could not log in as {who[role]['email']}: {status}")
        partners = who[role]["partners"]
        pages = {
            "today": "/today",
            "search": "/partners/?q=" + partners[0][1].split()[1][:4].lower(),
            "partner_page": f"/partners/{partners[len(partners) // 2][0]}",
        }
        if role == "agent":
            pages["log_interaction"] = f"/logbook/partners/{partners[1][0]}/interactions"
        found[role] = {}
        for label, path in pages.items():
            # The search as the search box asks for it (the results fragment); the
            # log as the partner page's form sends it.
            headers = {"HX-Request": "true"} if label in ("search", "log_interaction") else {}
            if label == "log_interaction":
                headers["HX-Target"] = "logbook"
                at = datetime.combine(day, datetime.min.time()).replace(hour=8)
                form = log_form("call", at.strftime("%Y-%m-%dT%H:%M"), minutes=5)
                request = lambda c=client, p=path, h=headers, f=form: c.post(p, data=f, headers=h)  # noqa: E731
            else:
                request = lambda c=client, p=path, h=headers: c.get(p, headers=h)  # noqa: E731
            request()  # warm: a page's first request loads more
            captured: list[tuple[str, object]] = []

            def capture(
                conn, cursor, statement, parameters, context, executemany, captured=captured
            ):
                if statement.lstrip().upper().startswith(("SELECT", "WITH")):
                    captured.append((statement, parameters))

            with app.app_context():
                engine = db.engine
            sa.event.listen(engine, "before_cursor_execute", capture)
            try:
                status = request().status_code
            finally:
                sa.event.remove(engine, "before_cursor_execute", capture)
            statements = []
            with app.app_context():
                raw = db.engine.raw_connection()
                try:
                    cursor = raw.cursor()
                    for statement, parameters in captured:
                        statements.append(explain(cursor, database.kind, statement, parameters))
                finally:
                    raw.rollback()
                    raw.close()
            tables = set(db.metadata.tables)
            for found_statement in statements:  # subqueries and CTEs are not tables
                found_statement["seq_scans"] = [
                    t for t in found_statement["seq_scans"] if t in tables
                ]
            entry = {
                "path": path,
                "status": status,
                "statements": len(statements),
                "database_ms": sum(s["ms"] or 0 for s in statements),
                "indexes": sorted({i for s in statements for i in s["indexes"]}),
                "seq_scans": sorted({t for s in statements for t in s["seq_scans"]}),
                "slowest": sorted(statements, key=lambda s: -(s["ms"] or 0))[:2],
            }
            if (role, label) in profile_pages:
                entry["profile"] = profile(lambda r=request: [r() for _ in range(20)])
            found[role][label] = entry
    scanned = {t for pages in found.values() for e in pages.values() for t in e["seq_scans"]}
    found["table_rows"] = {table: table_rows(database, table) for table in sorted(scanned)}
    return found


# A table this large scanned whole is a cost that grows with the team.
LARGE_TABLE = 10_000


def table_rows(database: Database, table: str) -> int:
    """About how many rows the table has (the planner's estimate on PostgreSQL)."""
    if database.kind == "postgres":
        sql = "SELECT reltuples::bigint FROM pg_class WHERE relname = :name AND relkind = 'r'"
        return int(database.column(sql, name=table)[0])
    return database.column(f'SELECT count(*) FROM "{table}"')[0]


def explain(cursor, kind: str, statement: str, parameters) -> dict:
    """One statement's plan: the indexes it uses, the tables it scans whole,
    the time it took (PostgreSQL), and the plan's first lines."""
    if kind == "postgres":
        cursor.execute(
            "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) " + statement, parameters
        )
    else:
        cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
    lines = [str(row[-1]) for row in cursor.fetchall()]
    ms = None
    for line in lines:
        if line.startswith("Execution Time:"):
            ms = float(line.split()[2])
    indexes, seq_scans = set(), set()
    for line in lines:
        for kind_of_scan, index, table in SCAN.findall(line):
            if kind_of_scan == "Seq Scan":
                seq_scans.add(table)
            elif index:
                indexes.add(f"{table}.{index}")
        # SQLite: "SCAN partner", "SEARCH partner USING INDEX ix_... (...)"
        if m := re.match(r"\s*SCAN (\w+)(?! USING)", line):
            seq_scans.add(m.group(1))
        if m := re.match(r"\s*SEARCH (\w+) USING (?:COVERING )?INDEX (\w+)", line):
            indexes.add(f"{m.group(1)}.{m.group(2)}")
    return {
        "sql": " ".join(statement.split())[:300],
        "ms": ms,
        "indexes": sorted(indexes),
        "seq_scans": sorted(seq_scans),
        "plan": [line for line in lines if not line.startswith(("Planning", "Execution"))][:12],
    }


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


def team_rules(
    database: Database, day: date, floor_seconds: float, target: float, count: int = 20
) -> dict:
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

    app = app_for(database, day)
    definitions = bench_team_rules(count)

    def refresh() -> dict:
        empty(app)
        return full_refresh(app, day, floor_seconds, target)

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
