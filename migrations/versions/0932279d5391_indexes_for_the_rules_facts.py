"""indexes for the rules' facts

The facts the rules read are aggregated in SQL; with every column they
need in the interaction index, the aggregate reads the index alone. A
partner's planning sessions are found by partner.

Revision ID: 0932279d5391
Revises: d0a546ad2686
Create Date: 2026-11-22 04:28:07.773817

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0932279d5391"
down_revision = "d0a546ad2686"
branch_labels = None
depends_on = None

HISTORY = ["partner_id", "at", "kind", "direction", "outcome", "disrespectful"]


def upgrade():
    with op.batch_alter_table("interaction", schema=None) as batch_op:
        batch_op.create_index("ix_interaction_history", HISTORY, unique=False)
        batch_op.drop_index("ix_interaction_partner_at")
    with op.batch_alter_table("planning_session", schema=None) as batch_op:
        batch_op.create_index(
            "ix_planning_session_partner_starts", ["partner_id", "starts_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("planning_session", schema=None) as batch_op:
        batch_op.drop_index("ix_planning_session_partner_starts")
    with op.batch_alter_table("interaction", schema=None) as batch_op:
        batch_op.create_index("ix_interaction_partner_at", ["partner_id", "at"], unique=False)
        batch_op.drop_index("ix_interaction_history")
