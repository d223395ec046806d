"""uploads that expire and per-draft quotas

Revision: 0016_upload_quotas
Parent: 0015_sessions_and_throttles
Created: 2026-12-07 03:10:00
"""

revision = "0016_upload_quotas"
down_revision = "0015_sessions_and_throttles"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
