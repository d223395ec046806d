"""erasing the personal data of applications no longer needed

Revision: 0017_privacy_erasure
Parent: 0016_upload_quotas
Created: 2026-12-07 03:10:00

``listings.lease_up_closed_at`` is when staff closed the listing's lease-up: the day the clock
starts for erasing the personal data of the households it did not house.
``applications.erased_at`` is when an application's personal data was erased; its public ids,
its lottery number and ranks stay.
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_privacy_erasure"
down_revision = "0016_upload_quotas"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("listings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("lease_up_closed_at", sa.DateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_column("erased_at")
    with op.batch_alter_table("listings", schema=None) as batch_op:
        batch_op.drop_column("lease_up_closed_at")
