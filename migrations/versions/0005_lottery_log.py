"""the lottery audit log: append-only (triggers refuse changes) and hash-chained

Revision: 0005_lottery_log
Parent: 0004_applications
Created: 2026-11-25 03:00:53.831133
"""

import sqlalchemy as sa
from alembic import op

revision = '0005_lottery_log'
down_revision = '0004_applications'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('lottery_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('previous_hash', sa.String(length=64), nullable=False),
    sa.Column('entry_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_lottery_log_listing_id_listings'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lottery_log')),
    sa.UniqueConstraint('entry_hash', name=op.f('uq_lottery_log_entry_hash'))
    )
    with op.batch_alter_table('lottery_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lottery_log_listing_id'), ['listing_id'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION lottery_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'the lottery log is append-only: % refused', TG_OP;
            END;
            $$
            """
        )
        op.execute(
            "CREATE TRIGGER lottery_log_no_change BEFORE UPDATE OR DELETE ON lottery_log "
            "FOR EACH ROW EXECUTE FUNCTION lottery_log_append_only()"
        )
        op.execute(
            "CREATE TRIGGER lottery_log_no_truncate BEFORE TRUNCATE ON lottery_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION lottery_log_append_only()"
        )
    else:
        for operation in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER lottery_log_no_{operation.lower()} BEFORE {operation} ON lottery_log "
                f"BEGIN SELECT RAISE(ABORT, 'the lottery log is append-only: {operation} refused'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER lottery_log_no_truncate ON lottery_log")
        op.execute("DROP TRIGGER lottery_log_no_change ON lottery_log")
        op.execute("DROP FUNCTION lottery_log_append_only()")
    else:
        op.execute("DROP TRIGGER lottery_log_no_update")
        op.execute("DROP TRIGGER lottery_log_no_delete")
    with op.batch_alter_table('lottery_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lottery_log_listing_id'))

    op.drop_table('lottery_log')
