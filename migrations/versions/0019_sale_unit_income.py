"""sale units' own income rule

Revision: 0019_sale_unit_income
Parent: 0018_message_caps
Created: 2026-12-07 06:15:00

A home for sale has an income floor its seller sets on the unit: a yearly minimum income, or a
minimum AMI percentage (the chart's limit at it for the household's size), never both.
Existing units keep none until their partner sets one.
"""

import sqlalchemy as sa
from alembic import op

revision = "0019_sale_unit_income"
down_revision = "0018_message_caps"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.add_column(sa.Column("minimum_income", sa.Numeric(12, 2), nullable=True))
        batch_op.add_column(sa.Column("minimum_ami_percent", sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_units_one_income_floor"),
            "minimum_income IS NULL OR minimum_ami_percent IS NULL",
        )
        batch_op.create_check_constraint(
            op.f("ck_units_floor_not_negative"), "minimum_income IS NULL OR minimum_income >= 0"
        )
        batch_op.create_check_constraint(
            op.f("ck_units_floor_percent_range"),
            "minimum_ami_percent IS NULL OR minimum_ami_percent BETWEEN 1 AND 200",
        )


def downgrade() -> None:
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_units_floor_percent_range"), type_="check")
        batch_op.drop_constraint(op.f("ck_units_floor_not_negative"), type_="check")
        batch_op.drop_constraint(op.f("ck_units_one_income_floor"), type_="check")
        batch_op.drop_column("minimum_ami_percent")
        batch_op.drop_column("minimum_income")
