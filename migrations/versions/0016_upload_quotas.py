"""uploads that expire and per-draft quotas

Revision: 0016_upload_quotas
Parent: 0015_sessions_and_throttles
Created: 2026-12-07 03:10:00

A proof uploaded for no application yet records who sent it (``sender``: a keyed hash of the
address, never the address), so one address can keep only so many files waiting for an
application. Uploads no application claims are removed after a day: ``file_deletions`` lists
the stored files whose rows are gone, written with the deletion and emptied once the files are,
so a crash in between cannot leave a file behind for good. Downgrading forgets the senders and
the files still to delete (those files stay in storage).
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_upload_quotas"
down_revision = "0015_sessions_and_throttles"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("application_documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sender", sa.String(length=32), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_application_documents_sender"), ["sender"], unique=False
        )

    op.create_table(
        "file_deletions",
        sa.Column("storage_key", sa.String(length=100), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("storage_key", name=op.f("pk_file_deletions")),
    )


def downgrade() -> None:
    op.drop_table("file_deletions")
    with op.batch_alter_table("application_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_application_documents_sender"))
        batch_op.drop_column("sender")
