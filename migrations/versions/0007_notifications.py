"""notifications: letters, message context and delivery log, broadcasts, reminder opt-outs

Revision: 0007_notifications
Parent: 0006_lotteries
Created: 2026-11-30 11:52:11.703194
"""

import sqlalchemy as sa
from alembic import op

revision = '0007_notifications'
down_revision = '0006_lotteries'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('broadcasts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('template', sa.String(length=64), nullable=False),
    sa.Column('context', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('written_through', sa.Integer(), nullable=False),
    sa.Column('written', sa.Integer(), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_broadcasts_listing_id_listings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_broadcasts')),
    sa.UniqueConstraint('key', name=op.f('uq_broadcasts_key'))
    )
    op.create_table('message_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('event', sa.String(length=30), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_message_events_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['message_id'], ['outbound_messages.id'], name=op.f('fk_message_events_message_id_outbound_messages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_events'))
    )
    with op.batch_alter_table('message_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_events_message_id'), ['message_id'], unique=False)

    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminders_stopped_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('outbound_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('context', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('listing_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('application_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('broadcast_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('provider_id', sa.String(length=200), nullable=False, server_default=''))
        batch_op.drop_constraint(op.f('ck_outbound_messages_message_channel'), type_='check')
        batch_op.create_check_constraint(op.f('ck_outbound_messages_message_channel'), "channel IN ('email', 'sms', 'letter')")
        batch_op.alter_column('recipient',
               existing_type=sa.VARCHAR(length=254),
               type_=sa.String(length=500),
               existing_nullable=False)
        batch_op.create_index(batch_op.f('ix_outbound_messages_application_id'), ['application_id'], unique=False)
        batch_op.create_index('ix_outbound_messages_broadcast_state', ['broadcast_id', 'state'], unique=False)
        batch_op.create_index('ix_outbound_messages_listing', ['listing_id', 'id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_outbound_messages_listing_id_listings'), 'listings', ['listing_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_outbound_messages_application_id_applications'), 'applications', ['application_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_outbound_messages_broadcast_id_broadcasts'), 'broadcasts', ['broadcast_id'], ['id'], ondelete='SET NULL')



def downgrade() -> None:
    # Letters have no place in the earlier schema.
    op.execute("DELETE FROM outbound_messages WHERE channel = 'letter'")
    with op.batch_alter_table('outbound_messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outbound_messages_broadcast_id_broadcasts'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_outbound_messages_application_id_applications'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_outbound_messages_listing_id_listings'), type_='foreignkey')
        batch_op.drop_index('ix_outbound_messages_listing')
        batch_op.drop_index('ix_outbound_messages_broadcast_state')
        batch_op.drop_index(batch_op.f('ix_outbound_messages_application_id'))
        batch_op.alter_column('recipient',
               existing_type=sa.String(length=500),
               type_=sa.VARCHAR(length=254),
               existing_nullable=False)
        batch_op.drop_column('provider_id')
        batch_op.drop_constraint(op.f('ck_outbound_messages_message_channel'), type_='check')
        batch_op.create_check_constraint(op.f('ck_outbound_messages_message_channel'), "channel IN ('email', 'sms')")
        batch_op.drop_column('broadcast_id')
        batch_op.drop_column('application_id')
        batch_op.drop_column('listing_id')
        batch_op.drop_column('context')

    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_column('reminders_stopped_at')

    with op.batch_alter_table('message_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_events_message_id'))

    op.drop_table('message_events')
    op.drop_table('broadcasts')
