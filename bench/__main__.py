"""`python -m bench`: generate a synthetic brokerage, measure, write docs/PERFORMANCE.md.

    python -m bench                                  # SQLite, 1× (50 agents, 20,000 partners,
                                                     # 1,000,000 interactions, 60,000 referrals)
    python -m bench --database postgres --scale 10   # PostgreSQL (a throwaway durable
                                                     # cluster), ten times the size
    python -m bench --partners 2000 --interactions 100000 --referrals 6000   # a quick run
    python -m bench --reuse                          # measure the SQLite database already generated

Everything runs on 127.0.0.1; the load test stops by itself (--load-seconds). Each
database and size writes its own section of the report (bench/report.py).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import sqlite3
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bench import measure
from bench.database import UNDER_POSTGRES, Database, under_postgres
from bench.generate import Size, generate
from bench.load import run_load
from bench.report import write_report

ROOT = Path(__file__).resolve().parent.parent


# The nightly refresh's target by scale (none for other scales): at 1× the
# refresh as the nightly job runs it (one process, its CPUs' workers), at 10×
# split in two shards run at once.
REFRESH_TARGETS = {1: ("nightly", 4.0), 10: ("nightly_shards", 60.0)}
TEAM_RULES_RATIO = 1.5


def size_of(args) -> Size:
    """--scale times the default size; explicit size flags win."""
    return Size(seed=args.seed).scaled(
        args.scale,
        agents=args.agents,
        partners=args.partners,
        interactions=args.interactions,
        referrals=args.referrals,
    )


def run_label(database: str, scale: int, size: Size) -> tuple[str, str]:
    """The report section's key and title: the database and the scale, or a
    custom size when size flags changed it (a quick run never replaces a full one)."""
    name = {"sqlite": "SQLite", "postgres": "PostgreSQL"}[database]
    if size == Size(seed=size.seed).scaled(scale):
        return f"{database}-{scale}x", f"{name}, {scale}×"
    return f"{database}-custom", f"{name}, a custom size"


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument(
        "--scale", type=int, default=1, help="times the default size (size flags win)"
    )
    for name in ("agents", "partners", "interactions", "referrals"):
        parser.add_argument(
            f"--{name}", type=int, help=f"default {getattr(Size(), name):,} × scale"
        )
    parser.add_argument("--seed", type=int, default=Size().seed)
    parser.add_argument("--db", type=Path, default=ROOT / "bench-data" / "bench.db")
    parser.add_argument("--reuse", action="store_true", help="measure the existing SQLite --db")
    parser.add_argument("--requests", type=int, default=500, help="per HTTP measurement")
    parser.add_argument(
        "--seconds-per-page",
        type=float,
        default=60,
        help="at most this long per HTTP measurement (30 requests at least)",
    )
    parser.add_argument("--load-agents", type=int, default=20)
    parser.add_argument("--load-seconds", type=float, default=60)
    parser.add_argument("--load-max-requests", type=int, default=40_000)
    parser.add_argument("--no-load", action="store_true")
    parser.add_argument(
        "--no-team-rules", action="store_true", help="leave out the team rules' refreshes"
    )
    parser.add_argument("--report", type=Path, default=ROOT / "docs" / "PERFORMANCE.md")
    args = parser.parse_args(argv)
    if args.database == "postgres" and not os.environ.get(UNDER_POSTGRES):
        return under_postgres(argv)
    command = "python -m bench " + " ".join(shlex.quote(a) for a in argv)

    size = size_of(args)
    key, title = run_label(args.database, args.scale, size)
    targeted, seconds = REFRESH_TARGETS.get(args.scale, (None, None))
    target = lambda step: seconds if step == targeted else None  # noqa: E731
    if args.database == "sqlite":
        args.db.parent.mkdir(parents=True, exist_ok=True)
        database = Database.sqlite(args.db)
    else:
        database = Database.postgres_from_environment()
    today = date.today()
    # The nightly refresh is measured as the next day's: reasons ("5 days ago") and
    # due days change, so most live recommendations are rewritten; the sharded one
    # as the day after that, from the first's. Everything measured after them
    # (pages, load) lives in that last day.
    tomorrow = today + timedelta(days=1)
    day_after = today + timedelta(days=2)
    results: dict = {
        "key": key,
        "title": title,
        "database": args.database,
        "scale": args.scale,
        "size": vars(size),
        "today": today.isoformat(),
        "server": database.server(),
    }
    if not (args.reuse and database.exists):
        print(f"generating {size} into {args.database} ...", flush=True)
        results["generate"] = generate(database.url, size, today)
        print(f"  done in {results['generate']['total']:.1f} s", flush=True)
    # The first refresh is measured into empty tables, a reused database too.
    database.execute("DELETE FROM recommendation", "DELETE FROM partner_evaluation")
    results["rows"] = {
        table: database.column(f'SELECT count(*) FROM "{table}"')[0]
        for table in ("user", "partner", "interaction", "referral")
    }
    floor = lambda: results["floor"]["seconds"]  # noqa: E731

    steps = [
        ("floor", lambda: measure.floor_pass(database)),
        (
            "refresh",
            lambda: measure.full_refresh(measure.app_for(database, today), today, floor(), None),
        ),
        (
            "nightly",
            lambda: measure.full_refresh(
                measure.app_for(database, tomorrow), tomorrow, floor(), target("nightly")
            ),
        ),
        (
            "nightly_shards",
            lambda: measure.sharded_refresh(database, day_after, floor(), target("nightly_shards")),
        ),
        ("engines", lambda: measure.engines(measure.app_for(database, day_after), day_after)),
        (
            "http",
            lambda: measure.http_timings(database, day_after, args.requests, args.seconds_per_page),
        ),
        (
            "explain",
            lambda: measure.explain_pages(database, day_after, missed_pages(results)),
        ),
    ]
    if not args.no_load:
        steps.append(
            (
                "load",
                lambda: run_load(
                    database, day_after, args.load_agents, args.load_seconds, args.load_max_requests
                ),
            )
        )
    if not args.no_team_rules:
        # It empties the recommendations twice (each refresh measured from nothing).
        steps.append(
            (
                "team_rules",
                lambda: measure.team_rules(database, day_after, floor(), TEAM_RULES_RATIO),
            )
        )
    # Last: where a refresh's time goes, when it missed its target (it refreshes a
    # few batches of a further day).
    steps.append(
        (
            "refresh_profile",
            lambda: (
                measure.profile_refresh(
                    measure.app_for(database, today + timedelta(days=3)), today + timedelta(days=3)
                )
                if refresh_missed(results)
                else None
            ),
        )
    )
    for name, step in steps:
        print(f"measuring {name} ...", flush=True)
        started = time.perf_counter()
        try:
            results[name] = step()
        except Exception as error:  # noqa: BLE001  (one broken step must not hide the others)
            results[name] = {"status": f"failed: {type(error).__name__}: {error}"}
        print(
            f"  {name}: {json.dumps(results[name], default=str)[:400]} "
            f"({time.perf_counter() - started:.1f} s)",
            flush=True,
        )

    results["database_bytes"] = database.size_bytes()
    results["machine"] = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "load_average": os.getloadavg(),
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }
    write_report(args.report, command, results)
    out = ROOT / "bench-data" / f"results-{key}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1, default=str))
    print(f"wrote {args.report} (section {key}) and {out}")
    load = results.get("load", {})
    return 1 if load and load.get("passed") is False else 0


def missed_pages(results: dict) -> set[tuple[str, str]]:
    """(role, page) of the pages whose p95 missed its target in this run."""
    http = results.get("http", {})
    return {
        (role, label)
        for role in ("agent", "manager")
        for label, m in http.get(role, {}).items()
        if isinstance(m, dict) and "target_p95_ms" in m and m["p95_ms"] > m["target_p95_ms"]
    }


def refresh_missed(results: dict) -> bool:
    return any(
        results.get(key, {}).get("seconds", 0) > (results.get(key, {}).get("target_seconds") or 1e9)
        for key in ("nightly", "nightly_shards")
    )


if __name__ == "__main__":
    sys.exit(main())
