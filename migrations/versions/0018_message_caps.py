"""messages counted per recipient address

Revision: 0018_message_caps
Parent: 0017_privacy_erasure
Created: 2026-12-07 03:10:00

One row per address (a keyed digest of it) and UTC day: how many messages it was sent, for the
daily cap of each address.
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_message_caps"
down_revision = "0017_privacy_erasure"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "message_counts",
        sa.Column("address_key", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("address_key", "day", name=op.f("pk_message_counts")),
    )


def downgrade() -> None:
    op.drop_table("message_counts")
