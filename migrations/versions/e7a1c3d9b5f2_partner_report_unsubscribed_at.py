"""the day a partner stopped the quarterly report themselves

`partner.report_unsubscribed_at`: set by the report email's unsubscribe link,
so that the partner's own "stop" is not undone by a tick on the preview page
unless they asked for the report again.

Revision ID: e7a1c3d9b5f2
Revises: b3f6d8a2c7e5
Create Date: 2026-12-05 00:50:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e7a1c3d9b5f2"
down_revision = "b3f6d8a2c7e5"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("partner", sa.Column("report_unsubscribed_at", sa.DateTime(), nullable=True))


def downgrade():
    op.drop_column("partner", "report_unsubscribed_at")
