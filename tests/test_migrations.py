"""The migrations build exactly the schema the models describe, undo it, and form one chain.

Runs on a fresh SQLite file, and on PostgreSQL when TEST_DATABASE_URL is set
(the PostgreSQL run of `make test`). A difference between the models and the
migrated schema means a model changed without its migration: add one with
`flask --app wsgi db migrate -m "..."` and review it (README, "Changing the schema").
"""

import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from config import TestConfig, database_url
from webapp import create_app
from webapp.extensions import db

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")


@pytest.fixture
def empty_database(tmp_path):
    """An app on an empty database: a new SQLite file, or the test PostgreSQL emptied."""
    url = os.environ.get("TEST_DATABASE_URL")

    class MigrationConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = (
            database_url(url) if url else f"sqlite:///{tmp_path / 'migrated.db'}"
        )

    app = create_app(MigrationConfig)
    with app.app_context():
        wipe()
        yield app
        wipe()
        db.engine.dispose()


def wipe():
    db.session.remove()
    db.drop_all()
    with db.engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))


def differences():
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": False}
        )
        return compare_metadata(context, db.metadata)


def table_names() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def test_upgrade_builds_the_models_schema_and_downgrade_removes_it(empty_database):
    upgrade(directory=MIGRATIONS)
    assert set(db.metadata.tables) <= table_names()
    diff = differences()
    assert not diff, (
        "the models and the migrated schema differ; add a migration with "
        f'`flask --app wsgi db migrate -m "..."` and review it:\n{diff}'
    )

    downgrade(directory=MIGRATIONS, revision="base")
    assert table_names() <= {"alembic_version"}

    # And up again: a downgrade leaves nothing behind that blocks the next upgrade.
    upgrade(directory=MIGRATIONS)
    assert set(db.metadata.tables) <= table_names()


def test_the_migrations_form_one_chain():
    """Databases in use are upgraded along one line: no second head, no merge."""
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    scripts = ScriptDirectory.from_config(config)
    assert len(scripts.get_heads()) == 1, scripts.get_heads()
    merges = [rev.revision for rev in scripts.walk_revisions() if rev.is_merge_point]
    assert not merges, merges
