"""activity log and listing versions

Revision: 0003_activity
Parent: 0002_accounts
Created: 2026-11-25 00:23:02.691003
"""

import sqlalchemy as sa
from alembic import op

revision = '0003_activity'
down_revision = '0002_accounts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('activity_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_role', sa.String(length=20), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('subject_type', sa.String(length=40), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_activity_entries_actor_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_entries'))
    )
    with op.batch_alter_table('activity_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_entries_at'), ['at'], unique=False)
        batch_op.create_index('ix_activity_subject', ['subject_type', 'subject_id'], unique=False)

    op.create_table('listing_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_listing_versions_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_listing_versions_listing_id_listings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_listing_versions'))
    )
    with op.batch_alter_table('listing_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_listing_versions_listing_id'), ['listing_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('listing_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_listing_versions_listing_id'))

    op.drop_table('listing_versions')
    with op.batch_alter_table('activity_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_activity_subject')
        batch_op.drop_index(batch_op.f('ix_activity_entries_at'))

    op.drop_table('activity_entries')
