"""sale units' own income rule (reserved)

Revision: 0019_sale_unit_income
Parent: 0018_message_caps
Created: 2026-12-07 06:15:00
"""

revision = "0019_sale_unit_income"
down_revision = "0018_message_caps"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
