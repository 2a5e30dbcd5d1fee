"""time of the last failed sign-in

Failed sign-ins in a row are forgotten after a quiet day, for an account and
for an email without one alike; the count of an email without an account is
then deleted by the nightly pruning. Both need the time of the last failure.
Counts from before this revision have none: the next failure starts again at 1.

Revision ID: b7e4c2a9d513
Revises: 6a2d8f4b1c93
Create Date: 2026-12-05 10:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b7e4c2a9d513"
down_revision = "6a2d8f4b1c93"
branch_labels = None
depends_on = None


def upgrade():
    # In place (ALTER TABLE ADD COLUMN): a batch would copy the user table on
    # SQLite, and dropping the old copy fails while other rows refer to users.
    op.add_column("user", sa.Column("last_failed_at", sa.DateTime(), nullable=True))
    op.add_column("sign_in_failures", sa.Column("last_failed_at", sa.DateTime(), nullable=True))


def downgrade():
    # Dropped in place too (SQLite 3.35+ and PostgreSQL), for the same reason.
    op.execute("ALTER TABLE sign_in_failures DROP COLUMN last_failed_at")
    op.execute('ALTER TABLE "user" DROP COLUMN last_failed_at')
