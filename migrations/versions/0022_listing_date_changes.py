"""listing date changes

Revision: 0022_listing_date_changes
Parent: 0021_paper_draft_discard
Created: 2026-12-08 09:30:00

A published listing's deadline extended, its applications closed early or reopened, its lottery
postponed: each with its reason, the dates before and after, who asked and who approved. A
partner's request waits here for staff to apply or refuse it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0022_listing_date_changes"
down_revision = "0021_paper_draft_discard"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "listing_date_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "extend_deadline",
                "close_early",
                "reopen",
                "postpone_lottery",
                name="date_change_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "state",
            sa.Enum(
                "requested",
                "applied",
                "refused",
                name="date_change_state",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("old_value", sa.DateTime(timezone=True), nullable=True),
        sa.Column("new_value", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refusal_reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["listings.id"],
            name=op.f("fk_listing_date_changes_listing_id_listings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_listing_date_changes_requested_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_listing_date_changes_decided_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listing_date_changes")),
    )
    with op.batch_alter_table("listing_date_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_listing_date_changes_listing_id"), ["listing_id"], unique=False
        )
        batch_op.create_index(
            "ix_listing_date_changes_state", ["state", "requested_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("listing_date_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_listing_date_changes_state")
        batch_op.drop_index(batch_op.f("ix_listing_date_changes_listing_id"))
    op.drop_table("listing_date_changes")
