"""Load: simulated agents logging interactions and reading Today, against gunicorn.

`python -m bench.load [--agents 20 --seconds 60 --max-requests 40000 --db FILE]`

Each simulated agent logs in, then loops — log an interaction on one of its
own partners, read Today — until the time is up or the request budget is
spent. Afterwards: no errors, every logged interaction is in the database,
recommendations agree with a fresh evaluation (once the rules are on main),
and the server still answers. Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import threading
import time
from datetime import date, datetime
from pathlib import Path

from bench import features
from bench.database import Database
from bench.generate import PASSWORD, Size, agent_email, generate
from bench.measure import app_for, percentiles
from bench.server import Client, gunicorn, log_form


def run_load(
    database: Database,
    today: date,
    agents: int,
    seconds: float,
    max_requests: int,
    workers: int = 2,
    log=print,
) -> dict:
    before = database.column("SELECT count(*) FROM interaction")[0]
    owned = {}
    for number in range(1, agents + 1):
        owned[number] = database.column(
            'SELECT partner.id FROM partner JOIN "user" ON "user".id = partner.owner_id '
            'WHERE "user".email = :email AND partner.archived_at IS NULL',
            email=agent_email(number),
        )
    if any(not ids for ids in owned.values()):
        raise SystemExit(f"the database needs at least {agents} agents with partners")

    lock = threading.Lock()
    stats = {"logged": 0, "today": 0, "errors": [], "log_seconds": [], "today_seconds": []}
    touched: set[int] = set()
    budget = [max_requests]
    at = datetime.combine(today, datetime.min.time()).replace(hour=8).strftime("%Y-%m-%dT%H:%M")

    def take() -> bool:
        with lock:
            budget[0] -= 1
            return budget[0] >= 0

    def agent(number: int, client: Client, deadline: float):
        rng = random.Random(number)
        while time.monotonic() < deadline and take():
            partner = rng.choice(owned[number])
            form = log_form(rng.choice(["call", "coffee", "email", "text"]), at)
            try:
                status, _, elapsed = client.post(
                    f"/logbook/partners/{partner}/interactions",
                    form,
                    htmx=True,
                    target="logbook",
                )
                with lock:
                    if status == 200:
                        stats["logged"] += 1
                        stats["log_seconds"].append(elapsed)
                        touched.add(partner)
                    else:
                        stats["errors"].append(f"log {partner}: HTTP {status}")
                if not take():
                    break
                status, _, elapsed = client.get("/today")
                with lock:
                    if status == 200:
                        stats["today"] += 1
                        stats["today_seconds"].append(elapsed)
                    else:
                        stats["errors"].append(f"today: HTTP {status}")
            except OSError as error:
                with lock:
                    stats["errors"].append(f"agent {number}: {error}")

    with gunicorn(database.url, workers=workers, today=today.isoformat()) as base:
        clients = {}
        for number in range(1, agents + 1):  # log everyone in before the clock starts
            clients[number] = Client(base)
            clients[number].log_in(agent_email(number), PASSWORD)
        started = time.monotonic()
        deadline = started + seconds
        threads = [
            threading.Thread(target=agent, args=(n, clients[n], deadline), daemon=True)
            for n in range(1, agents + 1)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            # Bounded even if a request hangs: the deadline plus the client timeout.
            thread.join(timeout=max(1.0, deadline - time.monotonic()) + 70)
        elapsed = time.monotonic() - started
        still_answering = Client(base).get("/auth/login")[0] == 200

    after = database.column("SELECT count(*) FROM interaction")[0]
    result = {
        "agents": agents,
        "seconds": elapsed,
        "logged": stats["logged"],
        "today_reads": stats["today"],
        "requests_per_second": (stats["logged"] + stats["today"]) / elapsed,
        "errors": len(stats["errors"]),
        "first_errors": stats["errors"][:5],
        "interactions_added": after - before,
        "count_check": after - before == stats["logged"],
        "still_answering": still_answering,
        "recommendations": consistency(database, today, sorted(touched)),
    }
    if stats["log_seconds"]:
        result["log"] = percentiles(stats["log_seconds"])
    if len(stats["today_seconds"]) > 1:
        result["today"] = percentiles(stats["today_seconds"])
    result["passed"] = (
        result["logged"] > 0
        and result["today_reads"] > 0
        and result["errors"] == 0
        and result["count_check"]
        and still_answering
        and result["recommendations"].get("consistent", True)
    )
    return result


def consistency(database: Database, today: date, partner_ids: list[int]) -> dict:
    """Stored open recommendations of the touched partners = a fresh evaluation."""
    evaluate = features.evaluate()
    if evaluate is None or not partner_ids:
        return {"status": "not checked: webapp.recommendations is not on main yet"}
    import sqlalchemy as sa

    from webapp.extensions import db
    from webapp.models import Partner

    app = app_for(database, today)
    mismatches = []
    with app.app_context():
        team_id = db.session.scalar(sa.select(Partner.team_id).limit(1))
        fresh = evaluate(team_id, today, partner_ids)
        stored = features.stored_open_rules(team_id, partner_ids, today)
        for pid in partner_ids:
            expected = {rec.rule for rec in fresh.get(pid, [])}
            # Dismissed/snoozed ones stay quiet by design: only compare what is open.
            if not stored[pid] <= expected:
                mismatches.append((pid, sorted(stored[pid]), sorted(expected)))
    return {
        "partners": len(partner_ids),
        "consistent": not mismatches,
        "mismatches": mismatches[:5],
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.load", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--max-requests", type=int, default=40_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--db", type=Path, help="an existing bench database (else a small one)")
    args = parser.parse_args(argv)
    today = date.today()
    with tempfile.TemporaryDirectory(prefix="partnerplan-load-") as tmp:
        db_path = args.db
        if db_path is None:
            db_path = Path(tmp) / "load.db"
            size = Size(
                agents=max(args.agents, 20), partners=2_000, interactions=50_000, referrals=6_000
            )
            print(f"generating a small brokerage in {db_path} ...")
            generate(Database.sqlite(db_path).url, size, today)
        result = run_load(
            Database.sqlite(db_path),
            today,
            args.agents,
            args.seconds,
            args.max_requests,
            args.workers,
        )
    for key, value in result.items():
        print(f"{key}: {value}")
    print("LOAD TEST", "PASSED" if result["passed"] else "FAILED")
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
