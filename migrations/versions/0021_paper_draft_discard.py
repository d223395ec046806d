"""paper drafts set aside

Revision: 0021_paper_draft_discard
Parent: 0020_listing_alerts
Created: 2026-12-07 17:45:00

A paper draft that will not be finished is set aside with a reason, by whom and when: kept,
never submitted, and no longer holding up the lottery's freeze.
"""

import sqlalchemy as sa
from alembic import op

revision = "0021_paper_draft_discard"
down_revision = "0020_listing_alerts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("discarded_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("discarded_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("discard_reason", sa.Text(), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_applications_discarded_by_id_users"),
            "users",
            ["discarded_by_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("fk_applications_discarded_by_id_users"), type_="foreignkey")
        batch_op.drop_column("discard_reason")
        batch_op.drop_column("discarded_by_id")
        batch_op.drop_column("discarded_at")
