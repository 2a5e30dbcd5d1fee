"""partner tags

`tag` holds a team's free labels for partners, one per name in any case
(`key` is the case-folded name); `partner_tag` says which partner wears which.

Revision ID: c5e8b2f7a9d1
Revises: a7d3e9f2c418
Create Date: 2026-12-04 23:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c5e8b2f7a9d1"
down_revision = "a7d3e9f2c418"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "tag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["team.id"], name=op.f("fk_tag_team_id_team"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tag")),
        sa.UniqueConstraint("team_id", "key", name="uq_tag_team_key"),
    )
    op.create_table(
        "partner_tag",
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partner.id"],
            name=op.f("fk_partner_tag_partner_id_partner"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tag.id"], name=op.f("fk_partner_tag_tag_id_tag"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("partner_id", "tag_id", name=op.f("pk_partner_tag")),
    )
    op.create_index(op.f("ix_partner_tag_tag_id"), "partner_tag", ["tag_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_partner_tag_tag_id"), table_name="partner_tag")
    op.drop_table("partner_tag")
    op.drop_table("tag")
