"""applications table: columns and indexes for filtering and keyset pagination

Revision: 0009_applications_table
Parent: 0008_exports
Created: 2026-11-30 14:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0009_applications_table'
down_revision = '0008_exports'
branch_labels = None
depends_on = None

_BATCH = 5_000


def upgrade() -> None:
    op.create_table('application_preference_claims',
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('preference_code', sa.String(length=40), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_application_preference_claims_application_id_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_application_preference_claims_listing_id_listings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('application_id', 'preference_code', name=op.f('pk_application_preference_claims'))
    )
    with op.batch_alter_table('application_preference_claims', schema=None) as batch_op:
        batch_op.create_index('ix_preference_claims_listing_code', ['listing_id', 'preference_code'], unique=False)

    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.create_index('ix_applications_listing_submitted', ['listing_id', 'submitted_at', 'id'], unique=False)
        batch_op.create_index('ix_applications_listing_name', ['listing_id', 'applicant_name', 'id'], unique=False)
        batch_op.create_index('ix_applications_listing_household', ['listing_id', 'household_size', 'id'], unique=False)

    _backfill_claims()


def _backfill_claims() -> None:
    """The claims of every application submitted so far, read from its submitted answers."""
    applications = sa.table(
        'applications',
        sa.column('id', sa.Integer()),
        sa.column('listing_id', sa.Integer()),
        sa.column('status', sa.String()),
        sa.column('submitted_answers', sa.JSON()),
    )
    claims = sa.table(
        'application_preference_claims',
        sa.column('application_id', sa.Integer()),
        sa.column('preference_code', sa.String()),
        sa.column('listing_id', sa.Integer()),
    )
    connection = op.get_bind()
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(applications.c.id, applications.c.listing_id, applications.c.submitted_answers)
            .where(
                applications.c.id > last_id,
                applications.c.status != 'draft',
                applications.c.submitted_answers.is_not(None),
            )
            .order_by(applications.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        values = [
            {'application_id': row_id, 'preference_code': code, 'listing_id': listing_id}
            for row_id, listing_id, answers in rows
            for code in _claimed_codes(answers)
        ]
        if values:
            connection.execute(claims.insert(), values)
        last_id = rows[-1][0]


def _claimed_codes(answers: object) -> list[str]:
    preferences = answers.get('preferences') if isinstance(answers, dict) else None
    if not isinstance(preferences, dict):
        return []
    return sorted(
        code[:40]
        for code, claim in preferences.items()
        if isinstance(claim, dict) and claim.get('claimed') is True
    )


def downgrade() -> None:
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index('ix_applications_listing_household')
        batch_op.drop_index('ix_applications_listing_name')
        batch_op.drop_index('ix_applications_listing_submitted')

    with op.batch_alter_table('application_preference_claims', schema=None) as batch_op:
        batch_op.drop_index('ix_preference_claims_listing_code')

    op.drop_table('application_preference_claims')
