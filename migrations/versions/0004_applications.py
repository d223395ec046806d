"""applications

Revision: 0004_applications
Parent: 0003_activity
Created: 2026-11-25 02:17:28.295140
"""

import sqlalchemy as sa
from alembic import op

revision = '0004_applications'
down_revision = '0003_activity'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=12), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.Enum('online', 'paper', name='application_channel', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('status', sa.Enum('draft', 'submitted', 'withdrawn', name='application_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('language', sa.String(length=10), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('submitted_answers', sa.JSON(), nullable=True),
    sa.Column('lottery_number', sa.String(length=8), nullable=True),
    sa.Column('idempotency_key', sa.String(length=100), nullable=True),
    sa.Column('request_digest', sa.String(length=64), nullable=True),
    sa.Column('received_on', sa.Date(), nullable=True),
    sa.Column('applicant_name', sa.String(length=250), nullable=False),
    sa.Column('contact_email', sa.String(length=254), nullable=False),
    sa.Column('household_size', sa.Integer(), nullable=True),
    sa.Column('annual_income', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['entered_by_id'], ['users.id'], name=op.f('fk_applications_entered_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_applications_listing_id_listings'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_applications_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_applications')),
    sa.UniqueConstraint('listing_id', 'idempotency_key', name='uq_application_idempotency'),
    sa.UniqueConstraint('listing_id', 'lottery_number', name='uq_application_lottery_number'),
    sa.UniqueConstraint('listing_id', 'user_id', name='uq_application_listing_user'),
    sa.UniqueConstraint('public_id', name=op.f('uq_applications_public_id'))
    )
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.create_index('ix_applications_listing_status', ['listing_id', 'status'], unique=False)

    op.create_table('application_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=True),
    sa.Column('original_filename', sa.String(length=255), nullable=False),
    sa.Column('storage_key', sa.String(length=100), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('byte_size', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_application_documents_application_id_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_application_documents_listing_id_listings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_documents')),
    sa.UniqueConstraint('public_id', name=op.f('uq_application_documents_public_id')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_application_documents_storage_key'))
    )
    with op.batch_alter_table('application_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_documents_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_application_documents_listing_id'), ['listing_id'], unique=False)

    op.create_table('application_duplicate_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.Enum('name_dob', 'email', 'address', name='duplicate_rule', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('match_key', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_application_duplicate_keys_application_id_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_application_duplicate_keys_listing_id_listings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_duplicate_keys')),
    sa.UniqueConstraint('application_id', 'rule', 'match_key', name='uq_duplicate_key')
    )
    with op.batch_alter_table('application_duplicate_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_duplicate_keys_application_id'), ['application_id'], unique=False)
        batch_op.create_index('ix_duplicate_keys_lookup', ['listing_id', 'rule', 'match_key'], unique=False)

    op.create_table('application_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_application_versions_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_application_versions_application_id_applications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_versions')),
    sa.UniqueConstraint('application_id', 'number', name='uq_application_version')
    )
    with op.batch_alter_table('application_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_versions_application_id'), ['application_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('application_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_versions_application_id'))

    op.drop_table('application_versions')
    with op.batch_alter_table('application_duplicate_keys', schema=None) as batch_op:
        batch_op.drop_index('ix_duplicate_keys_lookup')
        batch_op.drop_index(batch_op.f('ix_application_duplicate_keys_application_id'))

    op.drop_table('application_duplicate_keys')
    with op.batch_alter_table('application_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_documents_listing_id'))
        batch_op.drop_index(batch_op.f('ix_application_documents_application_id'))

    op.drop_table('application_documents')
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index('ix_applications_listing_status')

    op.drop_table('applications')
