"""lease-up: work list statuses, history, invitations, waitlist

Revision: 0010_lease_up
Parent: 0009_applications_table
Created: 2026-11-30 14:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0010_lease_up'
down_revision = '0009_applications_table'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('document_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('token_sha256', sa.String(length=64), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('response', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_document_requests_application_id_applications'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_document_requests_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_document_requests_listing_id_listings'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_requests')),
    sa.UniqueConstraint('token_sha256', name=op.f('uq_document_requests_token_sha256'))
    )
    with op.batch_alter_table('document_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_requests_application_id'), ['application_id'], unique=False)

    op.create_table('lease_up_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('processing', 'invited', 'documents_received', 'approved', 'lease_signed', 'appealed', 'waitlisted', 'withdrawn', 'declined', 'disqualified', 'removed', name='lease_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('list_code', sa.String(length=40), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_lease_up_entries_application_id_applications'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_lease_up_entries_listing_id_listings'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_lease_up_entries_unit_id_units'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['updated_by'], ['users.id'], name=op.f('fk_lease_up_entries_updated_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lease_up_entries')),
    sa.UniqueConstraint('application_id', name=op.f('uq_lease_up_entries_application_id'))
    )
    with op.batch_alter_table('lease_up_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lease_up_entries_listing_id'), ['listing_id'], unique=False)

    op.create_table('lease_up_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('from_status', sa.String(length=30), nullable=False),
    sa.Column('to_status', sa.String(length=30), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_lease_up_events_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_lease_up_events_application_id_applications'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_lease_up_events_listing_id_listings'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lease_up_events'))
    )
    with op.batch_alter_table('lease_up_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lease_up_events_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lease_up_events_listing_id'), ['listing_id'], unique=False)

    op.create_table('unit_reopenings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_unit_reopenings_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_unit_reopenings_listing_id_listings'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_unit_reopenings_unit_id_units'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_reopenings'))
    )
    with op.batch_alter_table('unit_reopenings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_reopenings_listing_id'), ['listing_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('unit_reopenings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_reopenings_listing_id'))

    op.drop_table('unit_reopenings')
    with op.batch_alter_table('lease_up_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lease_up_events_listing_id'))
        batch_op.drop_index(batch_op.f('ix_lease_up_events_application_id'))

    op.drop_table('lease_up_events')
    with op.batch_alter_table('lease_up_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lease_up_entries_listing_id'))

    op.drop_table('lease_up_entries')
    with op.batch_alter_table('document_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_requests_application_id'))

    op.drop_table('document_requests')
