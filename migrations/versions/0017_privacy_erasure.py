"""erasing the personal data of applications no longer needed

Revision: 0017_privacy_erasure
Parent: 0016_upload_quotas
Created: 2026-12-07 03:10:00
"""

revision = "0017_privacy_erasure"
down_revision = "0016_upload_quotas"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
