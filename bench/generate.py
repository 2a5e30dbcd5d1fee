"""A synthetic brokerage in SQLite or PostgreSQL, written with bulk loads.

One team of `agents` agents (and a manager), `partners` partners spread over
the agents, `interactions` interactions and `referrals` referrals spread over
the partners, over the two years before `today`. Deterministic for a seed:
both databases get the same rows from the same generator.

SQLite: the models' tables (`create_all`), rows through SQLAlchemy Core
executemany in large batches inside one transaction. PostgreSQL: the schema
as migrations make it (`flask db upgrade`), rows through `COPY` (the models'
Python-side defaults filled in), the tables' secondary indexes and
constraints dropped for the load and built again after it, then `VACUUM
(ANALYZE)` (the state autovacuum keeps a live database in).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import subprocess
import sys
import time
from dataclasses import dataclass, fields, replace
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

    def scaled(self, factor: int, **explicit: int | None) -> Size:
        """The default counts times `factor`, except those given explicitly
        (not None); the seed is never scaled."""
        counts = {f.name: getattr(self, f.name) * factor for f in fields(self) if f.name != "seed"}
        counts.update({name: value for name, value in explicit.items() if value is not None})
        return replace(self, **counts)


def agent_email(number: int) -> str:
    return f"agent{number:03d}@bench.example"


MANAGER_EMAIL = "manager@bench.example"


def generate(url: str, size: Size, today: date, log=print) -> dict[str, float]:
    """Create the schema and fill it; returns timings in seconds."""
    import webapp.models  # noqa: F401  (registers the tables)
    from webapp.extensions import db

    rng = random.Random(size.seed)
    engine = sa.create_engine(url)
    postgres = engine.dialect.name == "postgresql"
    tables = db.metadata.tables
    timings: dict[str, float] = {}
    started = time.perf_counter()
    if postgres:
        migrate(engine, url)
    else:
        db.metadata.drop_all(engine)
        db.metadata.create_all(engine)
    timings["schema"] = time.perf_counter() - started
    now = datetime.combine(today, datetime.min.time())
    load = copy_rows if postgres else insert_batches
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA synchronous=OFF")
        dropped = drop_secondary(conn, ("partner", "interaction", "referral")) if postgres else []
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

        def partners():
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
                yield row

        load(conn, tables["partner"], partners())
        partner_ids = list(
            conn.scalars(sa.select(tables["partner"].c.id).order_by(tables["partner"].c.id))
        )
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

        load(conn, tables["interaction"], interactions(), log=log, label="interactions")
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

        load(conn, tables["referral"], referrals())
        timings["referrals"] = time.perf_counter() - t
        if dropped:
            t = time.perf_counter()
            log(f"  building {len(dropped)} indexes and constraints again ...")
            conn.exec_driver_sql("SET maintenance_work_mem = '512MB'")
            for statement in dropped:
                conn.exec_driver_sql(statement)
            timings["indexes"] = time.perf_counter() - t
    t = time.perf_counter()
    # PostgreSQL: VACUUM too, as autovacuum leaves a live database; without the
    # visibility map it sets, the covering indexes cannot answer alone (index-only
    # scans) and the planner read the whole interaction table for a batch of 500
    # partners' history (115 ms instead of 15 at 1×).
    options = {"isolation_level": "AUTOCOMMIT"} if postgres else {}
    with engine.connect().execution_options(**options) as conn:
        conn.exec_driver_sql("VACUUM (ANALYZE)" if postgres else "ANALYZE")
        conn.commit()
    timings["analyze"] = time.perf_counter() - t
    engine.dispose()
    timings["total"] = time.perf_counter() - started
    return timings


def migrate(engine: sa.Engine, url: str) -> None:
    """An empty PostgreSQL database brought to the migrations' head, as in
    production (`flask db upgrade`)."""
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    root = Path(__file__).resolve().parent.parent
    env = dict(os.environ, DATABASE_URL=url, PYTHONPATH=str(root))
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
        cwd=root,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def drop_secondary(conn, table_names: tuple[str, ...]) -> list[str]:
    """Drop the tables' foreign keys, unique constraints and secondary indexes
    (a bulk load is faster without them); the statements that build them again."""
    again: list[str] = []
    for table in table_names:
        constraints = conn.exec_driver_sql(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            f"WHERE conrelid = '\"{table}\"'::regclass AND contype IN ('f', 'u')"
        ).all()
        for name, definition in constraints:
            conn.exec_driver_sql(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
            again.append(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
        indexes = conn.exec_driver_sql(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
            f"AND tablename = '{table}' AND indexname NOT IN (SELECT conname FROM pg_constraint "
            f"WHERE conrelid = '\"{table}\"'::regclass)"
        ).all()
        for name, definition in indexes:
            conn.exec_driver_sql(f'DROP INDEX "{name}"')
            again.insert(0, definition)  # indexes first: a unique constraint may use one
    return again


def copy_rows(conn, table: sa.Table, rows, log=None, label: str = "") -> int:
    """`COPY` the rows (dicts with the same keys) into the table, with the
    columns' Python-side defaults the rows leave out, as an insert would."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return 0
    keys = list(first)
    defaults = {
        column.name: column.default.arg(None) if column.default.is_callable else column.default.arg
        for column in table.c
        if column.name not in first and column.default is not None and not column.primary_key
    }
    as_json = {column.name for column in table.c if isinstance(column.type, sa.JSON)}

    def value(name, v):
        return json.dumps(v) if name in as_json and v is not None else v

    fixed = tuple(value(name, v) for name, v in defaults.items())
    keyed_json = [i for i, key in enumerate(keys) if key in as_json]
    columns = ", ".join(f'"{name}"' for name in [*keys, *defaults])
    cursor = conn.connection.driver_connection.cursor()
    done = 0
    with cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
        for item in itertools.chain([first], rows):
            values = [item[key] for key in keys]
            for i in keyed_json:
                values[i] = value(keys[i], values[i])
            copy.write_row((*values, *fixed))
            done += 1
            if log and done % 1_000_000 == 0:
                log(f"  {label}: {done:,}")
    return done


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
