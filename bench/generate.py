"""A synthetic brokerage in SQLite, written with fast bulk inserts.

One team of `agents` agents (and a manager), `partners` partners spread over
the agents, `interactions` interactions and `referrals` referrals spread over
the partners, over the two years before `today`. Deterministic for a seed.
Rows go in through SQLAlchemy Core executemany (so the models' Python-side
defaults apply), in large batches inside one transaction.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

PASSWORD = "bench-password"
BATCH = 20_000
KINDS = ["call"] * 8 + [
    "voicemail",
    "text",
    "email",
    "email",
    "coffee",
    "lunch",
    "meeting",
    "event",
    "gift",
    "thank_you",
    "co_marketing",
    "note",
    "social",
]
PROFESSIONS = [
    "agent",
    "lender",
    "attorney",
    "cpa",
    "financial_planner",
    "insurance",
    "inspector",
    "title_escrow",
    "contractor",
    "past_client",
    "soi",
    "other",
]
FIRST = [
    "Ryan",
    "Priya",
    "Marcus",
    "Olivia",
    "Sam",
    "Kim",
    "Dana",
    "Lee",
    "Jo",
    "Al",
    "Ana",
    "Ben",
    "Cleo",
    "Dev",
    "Eva",
    "Finn",
    "Gia",
    "Hugo",
    "Ivy",
    "Jon",
    "Kai",
    "Lena",
]
LAST = [
    "McMillan",
    "Natarajan",
    "Webb",
    "Chen",
    "Ortiz",
    "Reyes",
    "Lee",
    "Park",
    "Smith",
    "Garcia",
    "Novak",
    "Silva",
    "Brown",
    "Khan",
    "Rossi",
    "Haas",
    "Moreau",
    "Ito",
]


@dataclass
class Size:
    agents: int = 50
    partners: int = 20_000
    interactions: int = 1_000_000
    referrals: int = 60_000
    seed: int = 7


def agent_email(number: int) -> str:
    return f"agent{number:03d}@bench.example"


MANAGER_EMAIL = "manager@bench.example"


def generate(url: str, size: Size, today: date, log=print) -> dict[str, float]:
    """Create the schema and fill it; returns timings in seconds."""
    import webapp.models  # noqa: F401  (registers the tables)
    from webapp.extensions import db

    rng = random.Random(size.seed)
    engine = sa.create_engine(url)
    tables = db.metadata.tables
    timings: dict[str, float] = {}
    started = time.perf_counter()
    db.metadata.drop_all(engine)
    db.metadata.create_all(engine)
    now = datetime.combine(today, datetime.min.time())
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA synchronous=OFF")
        team_id = conn.execute(
            tables["team"].insert().values(name="Bench Brokerage")
        ).inserted_primary_key[0]
        password = generate_password_hash(PASSWORD)
        users = [
            dict(
                team_id=team_id,
                email=agent_email(n),
                name=f"Agent {n:03d}",
                role="agent",
                password_hash=password,
            )
            for n in range(1, size.agents + 1)
        ]
        users.append(
            dict(
                team_id=team_id,
                email=MANAGER_EMAIL,
                name="Bench Manager",
                role="manager",
                password_hash=password,
            )
        )
        conn.execute(tables["user"].insert(), users)
        agent_ids = list(
            conn.scalars(
                sa.select(tables["user"].c.id)
                .where(tables["user"].c.role == "agent")
                .order_by(tables["user"].c.id)
            )
        )

        t = time.perf_counter()
        has_search = "search_text" in tables["partner"].c
        rows = []
        for n in range(size.partners):
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)} {n:05d}"
            company = (
                f"{rng.choice(LAST)} {rng.choice(['Lending', 'Law', 'CPA', 'Realty', 'Title'])}"
            )
            email = f"p{n:05d}@partners.example"
            phone = f"555-{n // 10000:03d}-{n % 10000:04d}"
            met = today - timedelta(days=rng.randint(1, 1500))
            row = dict(
                team_id=team_id,
                owner_id=agent_ids[n % len(agent_ids)],
                name=name,
                company=company,
                profession=rng.choice(PROFESSIONS),
                email=email,
                phone=phone,
                tier=rng.choices(["cultivate", "maintain", "cease"], [70, 25, 5])[0],
                met_on=met,
                client_types=[],
                birthday=f"{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
                if n % 3 == 0
                else None,
            )
            committed = n % 50 == 0  # every row needs the same keys (executemany)
            row.update(
                commitment_made_on=met if committed else None,
                first_referral_by=met + timedelta(days=30) if committed else None,
            )
            if has_search:
                from webapp.models import partner_search_text

                row["search_text"] = partner_search_text(name, company, email, phone)
            rows.append(row)
        insert_batches(conn, tables["partner"], rows)
        partner_ids = list(conn.scalars(sa.select(tables["partner"].c.id)))
        owner_of = dict(
            conn.execute(sa.select(tables["partner"].c.id, tables["partner"].c.owner_id)).all()
        )
        timings["partners"] = time.perf_counter() - t

        t = time.perf_counter()

        def interactions():
            for _ in range(size.interactions):
                pid = rng.choice(partner_ids)
                kind = rng.choice(KINDS)
                inbound = rng.random() < 0.3
                connected = kind in ("coffee", "lunch", "meeting", "event") or rng.random() < 0.55
                negative = rng.random() < 0.02
                yield dict(
                    partner_id=pid,
                    user_id=owner_of[pid],
                    at=now - timedelta(minutes=rng.randint(60, 730 * 24 * 60)),
                    kind=kind,
                    direction="inbound" if inbound else "outbound",
                    outcome="connected" if connected else "no_response",
                    sentiment="negative" if negative else rng.choice(["positive", "neutral"]),
                    disrespectful=negative and rng.random() < 0.1,
                    minutes=rng.choice([None, 5, 15, 30, 60]),
                )

        insert_batches(conn, tables["interaction"], interactions(), log=log, label="interactions")
        timings["interactions"] = time.perf_counter() - t

        t = time.perf_counter()

        def referrals():
            for n in range(size.referrals):
                pid = rng.choice(partner_ids)
                on = today - timedelta(days=rng.randint(0, 730))
                status = rng.choice(["new", "active", "under_contract", "closed", "closed", "lost"])
                closed = status == "closed"
                yield dict(
                    partner_id=pid,
                    user_id=owner_of[pid],
                    direction="received" if rng.random() < 0.6 else "sent",
                    referred_on=on,
                    client=f"Client {n:06d}",
                    status=status,
                    closed_on=min(today, on + timedelta(days=45)) if closed else None,
                    commission=12000 if closed else None,
                )

        insert_batches(conn, tables["referral"], referrals())
        timings["referrals"] = time.perf_counter() - t
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("ANALYZE")
    engine.dispose()
    timings["total"] = time.perf_counter() - started
    return timings


def insert_batches(conn, table, rows, log=None, label: str = "") -> int:
    batch, done = [], 0
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            conn.execute(table.insert(), batch)
            done += len(batch)
            batch = []
            if log and done % (BATCH * 10) == 0:
                log(f"  {label}: {done:,}")
    if batch:
        conn.execute(table.insert(), batch)
        done += len(batch)
    return done


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path.resolve()}"
