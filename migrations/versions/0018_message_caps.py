"""messages counted per recipient address

Revision: 0018_message_caps
Parent: 0017_privacy_erasure
Created: 2026-12-07 03:10:00
"""

revision = "0018_message_caps"
down_revision = "0017_privacy_erasure"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
