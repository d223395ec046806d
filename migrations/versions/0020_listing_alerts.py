"""listing alerts

Revision: 0020_listing_alerts
Parent: 0019_sale_unit_income
Created: 2026-12-07 06:15:00

Residents' alert subscriptions (an address, a language, optional household and filters), the
listings whose opening was announced, and one row per alert written: unique per subscription
and listing, so an alert is written once.
"""

import sqlalchemy as sa
from alembic import op

revision = "0020_listing_alerts"
down_revision = "0019_sale_unit_income"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column(
            "channel",
            sa.Enum(
                "email",
                "sms",
                "letter",
                name="alert_channel",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=True),
        sa.Column("household_size", sa.Integer(), nullable=True),
        sa.Column("annual_income", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("children_under_six", sa.Integer(), nullable=False),
        sa.Column("has_voucher", sa.Boolean(), nullable=False),
        sa.Column("neighborhoods", sa.JSON(), nullable=False),
        sa.Column("unit_types", sa.JSON(), nullable=False),
        sa.Column("tenures", sa.JSON(), nullable=False),
        sa.Column("code_digest", sa.String(length=64), nullable=False),
        sa.Column("code_attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["listings.id"],
            name=op.f("fk_alert_subscriptions_listing_id_listings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_subscriptions")),
        sa.UniqueConstraint("public_id", name=op.f("uq_alert_subscriptions_public_id")),
    )
    with op.batch_alter_table("alert_subscriptions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_alert_subscriptions_listing_id"), ["listing_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_alert_subscriptions_created_at"), ["created_at"], unique=False
        )

    op.create_table(
        "listing_openings",
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["listings.id"],
            name=op.f("fk_listing_openings_listing_id_listings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("listing_id", name=op.f("pk_listing_openings")),
    )

    op.create_table(
        "listing_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=True),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum(
                "email",
                "sms",
                "letter",
                name="listing_alert_channel",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["listings.id"],
            name=op.f("fk_listing_alerts_listing_id_listings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["alert_subscriptions.id"],
            name=op.f("fk_listing_alerts_subscription_id_alert_subscriptions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listing_alerts")),
        sa.UniqueConstraint(
            "subscription_id",
            "listing_id",
            name=op.f("uq_listing_alerts_subscription_id"),
        ),
    )
    with op.batch_alter_table("listing_alerts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_listing_alerts_listing_id"), ["listing_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("listing_alerts")
    op.drop_table("listing_openings")
    op.drop_table("alert_subscriptions")
