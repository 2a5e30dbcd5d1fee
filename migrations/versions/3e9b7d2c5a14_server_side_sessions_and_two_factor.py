"""server-side sessions, sign-in throttling per account, two-factor sign-in

A signed-in browser is a row of user_session (the cookie carries a random
token; the row its sha256), so that signing out, a new password and
deactivation end it. Failed sign-ins are counted on the user; the TOTP secret
and the recovery codes' hashes live there too; a team can require two-factor
sign-in of its managers and admins. Sessions signed before this revision end
(their cookies carried a user id, which names no session).

Revision ID: 3e9b7d2c5a14
Revises: 3e9d5b1c7a24
Create Date: 2026-12-04 15:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "3e9b7d2c5a14"
down_revision = "3e9d5b1c7a24"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "user_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("remember", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("user_agent", sa.String(length=200), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_user_session_user_id_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_session")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_session_token_hash")),
    )
    with op.batch_alter_table("user_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_session_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("failed_logins", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("locked_until", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("totp_pending", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("recovery_codes", sa.JSON(), nullable=True))

    op.add_column(
        "team",
        sa.Column("require_two_factor", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade():
    # Columns are dropped in place (SQLite 3.35+ and PostgreSQL alike): a batch
    # would copy the table, and dropping the old copy fails while rows of other
    # tables refer to it.
    op.execute("ALTER TABLE team DROP COLUMN require_two_factor")
    for column in (
        "recovery_codes",
        "totp_last_step",
        "totp_pending",
        "totp_secret",
        "locked_until",
        "failed_logins",
    ):
        op.execute(f'ALTER TABLE "user" DROP COLUMN {column}')

    with op.batch_alter_table("user_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_session_user_id"))

    op.drop_table("user_session")
