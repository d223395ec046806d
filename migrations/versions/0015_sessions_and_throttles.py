"""server-side sessions and sign-in throttles

Revision: 0015_sessions_and_throttles
Parent: 0014_lottery_lz4
Created: 2026-12-07 03:10:00
"""

revision = "0015_sessions_and_throttles"
down_revision = "0014_lottery_lz4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
