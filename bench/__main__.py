"""`python -m bench`: generate a synthetic brokerage, measure, write docs/PERFORMANCE.md.

    python -m bench                                  # the full size (50 agents, 20,000 partners,
                                                     # 1,000,000 interactions, 60,000 referrals)
    python -m bench --partners 2000 --interactions 100000 --referrals 6000   # a quick run
    python -m bench --reuse                          # measure the database already generated

Everything runs on 127.0.0.1; the load test stops by itself (--load-seconds).
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
from bench.generate import Size, generate, sqlite_url
from bench.load import run_load
from bench.report import write_report

ROOT = Path(__file__).resolve().parent.parent


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    defaults = Size()
    parser.add_argument("--agents", type=int, default=defaults.agents)
    parser.add_argument("--partners", type=int, default=defaults.partners)
    parser.add_argument("--interactions", type=int, default=defaults.interactions)
    parser.add_argument("--referrals", type=int, default=defaults.referrals)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--db", type=Path, default=ROOT / "bench-data" / "bench.db")
    parser.add_argument("--reuse", action="store_true", help="measure the existing --db")
    parser.add_argument("--requests", type=int, default=500, help="per HTTP measurement")
    parser.add_argument("--load-agents", type=int, default=20)
    parser.add_argument("--load-seconds", type=float, default=60)
    parser.add_argument("--load-max-requests", type=int, default=40_000)
    parser.add_argument("--no-load", action="store_true")
    parser.add_argument("--report", type=Path, default=ROOT / "docs" / "PERFORMANCE.md")
    args = parser.parse_args(argv)
    command = "python -m bench " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))

    size = Size(args.agents, args.partners, args.interactions, args.referrals, args.seed)
    today = date.today()
    # The nightly refresh is measured as the next day's: reasons ("5 days ago") and
    # due days change, so most live recommendations are rewritten. Everything measured
    # after it (pages, load) lives in that next day.
    tomorrow = today + timedelta(days=1)
    results: dict = {"size": vars(size), "today": today.isoformat()}
    args.db.parent.mkdir(parents=True, exist_ok=True)
    if not (args.reuse and args.db.exists()):
        print(f"generating {size} into {args.db} ...", flush=True)
        results["generate"] = generate(sqlite_url(args.db), size, today)
        print(f"  done in {results['generate']['total']:.1f} s", flush=True)
    connection = sqlite3.connect(args.db)
    # The first refresh is measured into empty tables, a reused database too.
    connection.execute("DELETE FROM recommendation")
    connection.execute("DELETE FROM partner_evaluation")
    connection.commit()
    results["rows"] = {
        table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in ("user", "partner", "interaction", "referral")
    }
    connection.close()

    steps = [
        ("floor", lambda: measure.floor_pass(args.db)),
        (
            "refresh",
            lambda: measure.full_refresh(
                measure.app_for(args.db, today), today, results["floor"]["seconds"]
            ),
        ),
        (
            "nightly",
            lambda: measure.full_refresh(
                measure.app_for(args.db, tomorrow), tomorrow, results["floor"]["seconds"]
            ),
        ),
        ("engines", lambda: measure.engines(measure.app_for(args.db, tomorrow), tomorrow)),
        ("http", lambda: measure.http_timings(args.db, tomorrow, args.requests)),
    ]
    if not args.no_load:
        steps.append(
            (
                "load",
                lambda: run_load(
                    args.db, tomorrow, args.load_agents, args.load_seconds, args.load_max_requests
                ),
            )
        )
    # Last: it empties the recommendations twice (each refresh measured from nothing).
    steps.append(
        (
            "team_rules",
            lambda: measure.team_rules(args.db, tomorrow, results["floor"]["seconds"]),
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

    results["machine"] = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "load_average": os.getloadavg(),
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }
    write_report(args.report, command, results)
    (args.db.parent / "results.json").write_text(json.dumps(results, indent=1, default=str))
    print(f"wrote {args.report}")
    load = results.get("load", {})
    return 1 if load and load.get("passed") is False else 0


if __name__ == "__main__":
    sys.exit(main())
