"""lotteries: pre-registered rules, frozen entrants, seed inputs, runs and ranks

Revision: 0006_lotteries
Parent: 0005_lottery_log
Created: 2026-11-25 03:02:48.470240
"""

import sqlalchemy as sa
from alembic import op

revision = '0006_lotteries'
down_revision = '0005_lottery_log'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('lotteries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('preregistered', 'frozen', 'drawing', 'drawn', 'published', name='lottery_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('rules', sa.JSON(), nullable=False),
    sa.Column('preregistered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('commitments', sa.JSON(), nullable=False),
    sa.Column('frozen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('manifest', sa.JSON(), nullable=True),
    sa.Column('manifest_sha256', sa.String(length=64), nullable=True),
    sa.Column('entrant_count', sa.Integer(), nullable=True),
    sa.Column('freeze_override_reason', sa.Text(), nullable=False),
    sa.Column('beacon', sa.JSON(), nullable=True),
    sa.Column('secrets', sa.JSON(), nullable=False),
    sa.Column('draw_requested_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('draw_requested_by', sa.Integer(), nullable=True),
    sa.Column('revision_pending', sa.Boolean(), nullable=False),
    sa.Column('draw_reason', sa.Text(), nullable=False),
    sa.Column('progress', sa.JSON(), nullable=False),
    sa.Column('self_check', sa.JSON(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_lotteries_listing_id_listings'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lotteries')),
    sa.UniqueConstraint('listing_id', name=op.f('uq_lotteries_listing_id'))
    )
    op.create_table('lottery_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lottery_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('draw', 'redraw', 'revision', name='lottery_run_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('seed', sa.String(length=64), nullable=False),
    sa.Column('result_sha256', sa.String(length=64), nullable=False),
    sa.Column('bundle', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('retracted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('retraction_reason', sa.Text(), nullable=False),
    sa.Column('files', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['lottery_id'], ['lotteries.id'], name=op.f('fk_lottery_runs_lottery_id_lotteries'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lottery_runs')),
    sa.UniqueConstraint('lottery_id', 'number', name='uq_lottery_run_number')
    )
    op.create_table('preference_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('preference_code', sa.String(length=40), nullable=False),
    sa.Column('valid', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_preference_decisions_application_id_applications'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_preference_decisions_decided_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_preference_decisions')),
    sa.UniqueConstraint('application_id', 'preference_code', name='uq_preference_decision')
    )
    with op.batch_alter_table('preference_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_preference_decisions_application_id'), ['application_id'], unique=False)

    op.create_table('duplicate_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.Enum('name_dob', 'email', 'address', name='duplicate_rule', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('match_key', sa.String(length=300), nullable=False),
    sa.Column('members', sa.JSON(), nullable=False),
    sa.Column('kept', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_duplicate_decisions_decided_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_duplicate_decisions_listing_id_listings'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duplicate_decisions')),
    sa.UniqueConstraint('listing_id', 'rule', 'match_key', name='uq_duplicate_decision')
    )
    op.create_table('lottery_ranks',
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('master_rank', sa.Integer(), nullable=False),
    sa.Column('list_ranks', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('run_id', 'application_id', name=op.f('pk_lottery_ranks'))
    )
    with op.batch_alter_table('lottery_ranks', schema=None) as batch_op:
        batch_op.create_index('ix_lottery_ranks_run_master', ['run_id', 'master_rank'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('lottery_ranks', schema=None) as batch_op:
        batch_op.drop_index('ix_lottery_ranks_run_master')

    op.drop_table('lottery_ranks')
    op.drop_table('duplicate_decisions')
    with op.batch_alter_table('preference_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_preference_decisions_application_id'))

    op.drop_table('preference_decisions')
    op.drop_table('lottery_runs')
    op.drop_table('lotteries')
