"""listing alerts (reserved)

Revision: 0020_listing_alerts
Parent: 0019_sale_unit_income
Created: 2026-12-07 06:15:00
"""

revision = "0020_listing_alerts"
down_revision = "0019_sale_unit_income"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
