"""The database a benchmark runs on: a SQLite file, or PostgreSQL.

PostgreSQL is a throwaway cluster that `scripts/with-postgres.sh` starts with
durability as shipped (PG_DURABLE=1): `python -m bench --database postgres`
runs itself again under that script, which hands it DATABASE_URL and removes
the cluster afterwards. Raw SQL here quotes "user" (a reserved word there).
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
# Set in the process that runs under scripts/with-postgres.sh for the benchmark.
UNDER_POSTGRES = "PARTNERPLAN_BENCH_POSTGRES"


def under_postgres(argv: list[str]) -> int:
    """Run `python -m bench ARGV` again on a throwaway durable PostgreSQL cluster
    (under bench-data/, removed afterwards); its exit status."""
    data = ROOT / "bench-data"
    data.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PG_DURABLE="1", PG_REQUIRED="1", TMPDIR=str(data))
    env[UNDER_POSTGRES] = "1"
    command = ["bash", str(ROOT / "scripts" / "with-postgres.sh"), sys.executable, "-m", "bench"]
    return subprocess.call([*command, *argv], cwd=ROOT, env=env)


@dataclass
class Database:
    """Where the benchmark's brokerage lives, and what it costs to keep."""

    url: str  # SQLAlchemy's (postgresql+psycopg://... or sqlite:///...)
    path: Path | None = None  # the SQLite file

    @classmethod
    def sqlite(cls, path: Path) -> Database:
        return cls(f"sqlite:///{path.resolve()}", path)

    @classmethod
    def postgres_from_environment(cls) -> Database:
        from config import database_url

        url = os.environ.get("DATABASE_URL", "")
        if not (os.environ.get(UNDER_POSTGRES) and url.startswith("postgres")):
            raise SystemExit("--database postgres runs under scripts/with-postgres.sh only")
        return cls(database_url(url))

    @property
    def kind(self) -> str:
        return "postgres" if self.url.startswith("postgresql") else "sqlite"

    @property
    def exists(self) -> bool:
        """Something generated already (--reuse): a SQLite file; a PostgreSQL
        cluster is new every run."""
        return self.path is not None and self.path.exists()

    def engine(self) -> sa.Engine:
        return sa.create_engine(self.url, poolclass=sa.pool.NullPool)

    def rows(self, sql: str, **params) -> list[tuple]:
        engine = self.engine()
        try:
            with engine.connect() as conn:
                return [tuple(row) for row in conn.execute(sa.text(sql), params)]
        finally:
            engine.dispose()

    def column(self, sql: str, **params) -> list:
        return [row[0] for row in self.rows(sql, **params)]

    def execute(self, *statements: str) -> None:
        engine = self.engine()
        try:
            with engine.begin() as conn:
                for sql in statements:
                    conn.execute(sa.text(sql))
        finally:
            engine.dispose()

    def size_bytes(self) -> int:
        if self.kind == "sqlite":
            return sum(
                p.stat().st_size
                for p in (self.path, Path(f"{self.path}-wal"), Path(f"{self.path}-shm"))
                if p.exists()
            )
        return self.column("SELECT pg_database_size(current_database())")[0]

    def server(self) -> dict:
        """The server's version and the settings the numbers depend on."""
        if self.kind == "sqlite":
            import sqlite3

            return {"database": f"SQLite {sqlite3.sqlite_version}"}
        settings = (
            "fsync",
            "synchronous_commit",
            "full_page_writes",
            "shared_buffers",
            "work_mem",
        )
        found = {name: self.column(f"SHOW {name}")[0] for name in settings}
        version = self.column("SHOW server_version")[0]
        return {"database": f"PostgreSQL {version}", **found}
