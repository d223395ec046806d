"""listings, units, AMI charts and preferences

Revision: 0001_listings
Parent: 
Created: 2026-11-24 23:54:13.778853
"""

import sqlalchemy as sa
from alembic import op

revision = '0001_listings'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ami_charts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('chart_type', sa.String(length=50), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ami_charts')),
    sa.UniqueConstraint('name', 'year', 'version', name='uq_ami_charts_name_year')
    )
    op.create_table('listings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('street_address', sa.String(length=200), nullable=False),
    sa.Column('city', sa.String(length=100), nullable=False),
    sa.Column('state', sa.String(length=2), nullable=False),
    sa.Column('postal_code', sa.String(length=10), nullable=False),
    sa.Column('neighborhood', sa.String(length=100), nullable=False),
    sa.Column('developer', sa.String(length=200), nullable=False),
    sa.Column('tenure', sa.Enum('rental', 'sale', name='tenure', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('listing_type', sa.Enum('lottery', 'fcfs', name='listing_type', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('status', sa.Enum('draft', 'pending_review', 'changes_requested', 'approved', 'open', 'closed', 'lottery_run', 'results_published', 'lease_up', 'done', name='listing_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('publish_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('application_open_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('application_due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lottery_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('results_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reserved_community', sa.Enum('senior', 'veteran', 'accessible', name='reserved_community', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('senior_minimum_age', sa.Integer(), nullable=True),
    sa.Column('senior_rule', sa.Enum('entire_household', 'one_member', name='senior_rule', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('amenities', sa.Text(), nullable=False),
    sa.Column('accessibility_features', sa.Text(), nullable=False),
    sa.Column('credit_rules', sa.Text(), nullable=False),
    sa.Column('eviction_rules', sa.Text(), nullable=False),
    sa.Column('criminal_history_rules', sa.Text(), nullable=False),
    sa.Column('required_documents', sa.Text(), nullable=False),
    sa.Column('pets_policy', sa.Text(), nullable=False),
    sa.Column('parking', sa.Text(), nullable=False),
    sa.Column('deposit', sa.Text(), nullable=False),
    sa.Column('paper_application_instructions', sa.Text(), nullable=False),
    sa.Column('leasing_agent_name', sa.String(length=200), nullable=False),
    sa.Column('leasing_agent_title', sa.String(length=200), nullable=False),
    sa.Column('leasing_agent_email', sa.String(length=254), nullable=False),
    sa.Column('leasing_agent_phone', sa.String(length=40), nullable=False),
    sa.Column('leasing_office_address', sa.String(length=300), nullable=False),
    sa.Column('office_hours', sa.Text(), nullable=False),
    sa.Column('translations', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("reserved_community != 'senior' OR senior_minimum_age IS NOT NULL", name=op.f('ck_listings_senior_has_age')),
    sa.CheckConstraint('application_due_at > application_open_at', name=op.f('ck_listings_due_after_open')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_listings'))
    )
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_listings_neighborhood'), ['neighborhood'], unique=False)
        batch_op.create_index('ix_listings_status_due', ['status', 'application_due_at'], unique=False)

    op.create_table('preferences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('proof_types', sa.JSON(), nullable=False),
    sa.Column('translations', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_preferences')),
    sa.UniqueConstraint('code', name=op.f('uq_preferences_code'))
    )
    op.create_table('ami_chart_limits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chart_id', sa.Integer(), nullable=False),
    sa.Column('ami_percent', sa.Integer(), nullable=False),
    sa.Column('household_size', sa.Integer(), nullable=False),
    sa.Column('annual_income', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.CheckConstraint('annual_income > 0', name=op.f('ck_ami_chart_limits_income_positive')),
    sa.CheckConstraint('household_size BETWEEN 1 AND 8', name=op.f('ck_ami_chart_limits_household_size_range')),
    sa.ForeignKeyConstraint(['chart_id'], ['ami_charts.id'], name=op.f('fk_ami_chart_limits_chart_id_ami_charts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ami_chart_limits')),
    sa.UniqueConstraint('chart_id', 'ami_percent', 'household_size', name='uq_ami_limit_cell')
    )
    op.create_table('listing_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('document', 'image', name='document_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('alt_text', sa.String(length=300), nullable=False),
    sa.Column('original_filename', sa.String(length=255), nullable=False),
    sa.Column('storage_key', sa.String(length=100), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('byte_size', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_listing_documents_listing_id_listings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_listing_documents')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_listing_documents_storage_key'))
    )
    with op.batch_alter_table('listing_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_listing_documents_listing_id'), ['listing_id'], unique=False)

    op.create_table('listing_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('info_session', 'open_house', name='event_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('location', sa.String(length=300), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_listing_events_listing_id_listings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_listing_events'))
    )
    with op.batch_alter_table('listing_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_listing_events_listing_id'), ['listing_id'], unique=False)

    op.create_table('listing_preferences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('preference_id', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('unit_share_percent', sa.Integer(), nullable=True),
    sa.Column('veterans_first', sa.Boolean(), nullable=False),
    sa.CheckConstraint('unit_share_percent IS NULL OR unit_share_percent BETWEEN 1 AND 100', name=op.f('ck_listing_preferences_share_range')),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_listing_preferences_listing_id_listings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['preference_id'], ['preferences.id'], name=op.f('fk_listing_preferences_preference_id_preferences')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_listing_preferences')),
    sa.UniqueConstraint('listing_id', 'preference_id', name='uq_listing_preference'),
    sa.UniqueConstraint('listing_id', 'rank', name='uq_listing_preference_rank')
    )
    op.create_table('units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('unit_type', sa.Enum('sro', 'studio', '1br', '2br', '3br', '4br', '5br', name='unit_type', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('unit_count', sa.Integer(), nullable=False),
    sa.Column('square_feet', sa.Integer(), nullable=True),
    sa.Column('floor', sa.Integer(), nullable=True),
    sa.Column('monthly_rent', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('rent_percent_of_income', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('rent_multiple', sa.Numeric(precision=4, scale=2), nullable=True),
    sa.Column('sale_price', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('hoa_dues', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('ami_chart_id', sa.Integer(), nullable=False),
    sa.Column('ami_percent', sa.Integer(), nullable=False),
    sa.Column('min_occupancy', sa.Integer(), nullable=True),
    sa.Column('max_occupancy', sa.Integer(), nullable=True),
    sa.Column('accessibility', sa.Enum('mobility', 'vision', 'hearing', 'mobility_hearing_vision', name='accessibility_priority', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('status', sa.Enum('available', 'leased', 'unavailable', name='unit_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.CheckConstraint('ami_percent BETWEEN 1 AND 200', name=op.f('ck_units_ami_percent_range')),
    sa.CheckConstraint('min_occupancy IS NULL OR max_occupancy IS NULL OR min_occupancy <= max_occupancy', name=op.f('ck_units_occupancy_order')),
    sa.CheckConstraint('monthly_rent IS NULL OR rent_percent_of_income IS NULL', name=op.f('ck_units_one_rent_kind')),
    sa.CheckConstraint('unit_count >= 1', name=op.f('ck_units_count_positive')),
    sa.ForeignKeyConstraint(['ami_chart_id'], ['ami_charts.id'], name=op.f('fk_units_ami_chart_id_ami_charts')),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_units_listing_id_listings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_units'))
    )
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_units_ami_chart_id'), ['ami_chart_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_units_listing_id'), ['listing_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_units_listing_id'))
        batch_op.drop_index(batch_op.f('ix_units_ami_chart_id'))

    op.drop_table('units')
    op.drop_table('listing_preferences')
    with op.batch_alter_table('listing_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_listing_events_listing_id'))

    op.drop_table('listing_events')
    with op.batch_alter_table('listing_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_listing_documents_listing_id'))

    op.drop_table('listing_documents')
    op.drop_table('ami_chart_limits')
    op.drop_table('preferences')
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.drop_index('ix_listings_status_due')
        batch_op.drop_index(batch_op.f('ix_listings_neighborhood'))

    op.drop_table('listings')
    op.drop_table('ami_charts')
