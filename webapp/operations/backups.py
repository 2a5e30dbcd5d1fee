"""Backups: a consistent copy of the database, taken while the app runs.

- SQLite: the online backup API (`sqlite3.Connection.backup`) copies every
  page in one step under a read transaction, so the copy is the database as
  it was at one instant, whatever is written meanwhile. It is made a
  single file (no WAL beside it) and checked (`PRAGMA integrity_check`).
- PostgreSQL: `pg_dump` in its custom format, itself one snapshot.

A backup is `partnerplan-<UTC stamp>.sqlite3` or `.dump` (the whole
database, every team: the name says when, never whose), written under a
temporary name and renamed when whole, so a listed backup is never half a
file. The newest `keep` are kept, older ones deleted.

A restore goes only into an empty target: a new SQLite file (a copy of the
backup), or a PostgreSQL database without tables (`pg_restore`).
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from config import database_url

from .. import clock

NAME = re.compile(r"^partnerplan-(\d{8}T\d{6}Z)(?:-(\d+))?\.(sqlite3|dump)$")
STAMP = "%Y%m%dT%H%M%SZ"
SUFFIX = {"sqlite": "sqlite3", "postgresql": "dump"}


class BackupFailed(Exception):
    """Nothing was kept or restored: why, in words for who runs the command."""


@dataclass(frozen=True)
class Backup:
    path: Path
    taken: datetime  # naive UTC, from the name
    number: int  # the second backup of the same second is -2

    @property
    def kind(self) -> str:
        return "sqlite" if self.path.suffix == ".sqlite3" else "postgresql"


def listing(directory: str | os.PathLike) -> list[Backup]:
    """The backups in `directory`, oldest first (other files are left alone)."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    found = []
    for path in directory.iterdir():
        if match := NAME.match(path.name):
            taken = datetime.strptime(match[1], STAMP)
            found.append(Backup(path, taken, int(match[2] or 1)))
    return sorted(found, key=lambda backup: (backup.taken, backup.number))


def new_path(directory: Path, kind: str) -> Path:
    """A name after every backup there: a second one in the same second is
    numbered past the last (even if that one was pruned already)."""
    taken = clock.utcnow().replace(microsecond=0)
    stamp = taken.strftime(STAMP)
    same = [backup.number for backup in listing(directory) if backup.taken == taken]
    number = max(same, default=0) + 1
    while True:
        numbered = stamp if number == 1 else f"{stamp}-{number}"
        path = directory / f"partnerplan-{numbered}.{SUFFIX[kind]}"
        if not path.exists() and not partial(path).exists():
            return path
        number += 1


def partial(path: Path) -> Path:
    return path.with_name(path.name + ".partial")


def integrity_problem(path: Path) -> str | None:
    """None when SQLite finds the file whole, else what it says."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        result = [row[0] for row in connection.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as error:
        return str(error)
    finally:
        connection.close()
    return None if result == ["ok"] else "; ".join(result[:5])


def libpq(url: sa.URL) -> tuple[str, dict[str, str]]:
    """A URL pg_dump and pg_restore understand, and the password apart (in the
    environment, not on a command line anyone on the machine can read)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def run(command: list[str], env: dict[str, str]) -> None:
    try:
        subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    except FileNotFoundError as error:
        raise BackupFailed(
            f"{command[0]} is not installed (Debian: the postgresql-client package)."
        ) from error
    except subprocess.CalledProcessError as error:
        raise BackupFailed(f"{command[0]} failed: {error.stderr.strip()}") from error


def backup_sqlite(engine: sa.Engine, path: Path) -> None:
    raw = engine.raw_connection()
    try:
        target = sqlite3.connect(path)
        try:
            # pages=-1 (the default): every page in one step, under one read
            # transaction, so concurrent writes cannot make it restart or mix.
            raw.driver_connection.backup(target)
            # One self-contained file: no -wal beside the copy.
            target.execute("PRAGMA journal_mode=DELETE")
        finally:
            target.close()
    finally:
        raw.close()
    if problem := integrity_problem(path):
        raise BackupFailed(f"The copy failed its integrity check: {problem}")


def create(engine: sa.Engine, directory: str | os.PathLike, keep: int) -> Path:
    """Take a backup into `directory`, keep the newest `keep`; the new file's path."""
    kind = engine.dialect.name
    if kind not in SUFFIX:
        raise BackupFailed(f"Backups of a {kind} database are not supported.")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = new_path(directory, kind)
    writing = partial(path)
    try:
        if kind == "sqlite":
            backup_sqlite(engine, writing)
        else:
            url, env = libpq(engine.url)
            run(["pg_dump", "--format=custom", f"--file={writing}", f"--dbname={url}"], env)
        writing.rename(path)
    finally:
        writing.unlink(missing_ok=True)
    prune(directory, keep)
    return path


def prune(directory: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` backups; the deleted."""
    old = listing(directory)[: -max(keep, 1)]
    for backup in old:
        backup.path.unlink(missing_ok=True)
    return [backup.path for backup in old]


def sqlite_path(to: str) -> Path:
    if to.startswith("sqlite:///"):
        return Path(to[len("sqlite:///") :])
    if "://" in to:
        raise BackupFailed("A .sqlite3 backup restores into a SQLite file: give its path.")
    return Path(to)


def restore(backup: str | os.PathLike, to: str) -> str:
    """Restore `backup` into the empty target `to`; where it went."""
    backup = Path(backup)
    match = NAME.match(backup.name)
    if not backup.is_file() or not match:
        raise BackupFailed(
            f"{backup} is not a PartnerPlan backup (partnerplan-<stamp>.sqlite3|dump)."
        )
    if match[3] == "sqlite3":
        return restore_sqlite(backup, sqlite_path(to))
    return restore_postgresql(backup, to)


def restore_sqlite(backup: Path, target: Path) -> str:
    if target.exists() and target.stat().st_size > 0:
        raise BackupFailed(f"{target} exists and is not empty: restore into a new file.")
    if problem := integrity_problem(backup):
        raise BackupFailed(f"The backup failed its integrity check: {problem}")
    target.parent.mkdir(parents=True, exist_ok=True)
    writing = partial(target)
    try:
        shutil.copyfile(backup, writing)
        writing.replace(target)
    finally:
        writing.unlink(missing_ok=True)
    return str(target)


def restore_postgresql(backup: Path, to: str) -> str:
    url = database_url(to.strip())
    if not url.startswith("postgresql+psycopg://"):
        raise BackupFailed("A .dump backup restores into PostgreSQL: give a postgresql:// URL.")
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            if names := sa.inspect(connection).get_table_names():
                raise BackupFailed(
                    f"The target database has tables ({', '.join(sorted(names)[:5])}): "
                    "restore into a new, empty database. Nothing was written."
                )
        plain, env = libpq(engine.url)
        # One transaction: a restore that fails leaves the database empty.
        run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
             "--single-transaction", f"--dbname={plain}", str(backup)], env)  # fmt: skip
    finally:
        engine.dispose()
    return engine.url.render_as_string(hide_password=True)
