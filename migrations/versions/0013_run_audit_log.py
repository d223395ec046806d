"""each published version of the results names the audit log's head and length

Revision: 0013_run_audit_log
Parent: 0012_claim_veteran
Created: 2026-12-07 01:00:00

A published bundle records the audit log's head and entry count, and its result hash covers
them. The two are kept beside the version too, so the public lottery page shows them without
reading a bundle of a million entrants.
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_run_audit_log"
down_revision = "0012_claim_veteran"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("lottery_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("audit_log_head", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("audit_log_length", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("lottery_runs", schema=None) as batch_op:
        batch_op.drop_column("audit_log_length")
        batch_op.drop_column("audit_log_head")
