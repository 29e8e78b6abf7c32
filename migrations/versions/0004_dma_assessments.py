"""DMA: versioned assessments with raw answers and scores per cycle; T0 waivers,
T1 reminders and satisfaction responses (issue 11).

The old `assessments` table was never written to (no code used it), so it is
replaced rather than altered.

Revision ID: i11dma_1
Revises: i9auth_1
"""
from alembic import op
import sqlalchemy as sa


revision = 'i11dma_1'
down_revision = 'i9auth_1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessments_organisation_id'))
    op.drop_table('assessments')
    op.create_table('assessments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('cycle', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=2), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('variant', sa.String(length=3), nullable=False),
    sa.Column('version', sa.String(length=20), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('dimension_scores', sa.JSON(), nullable=False),
    sa.Column('overall', sa.Float(), nullable=True),
    sa.Column('band', sa.String(length=24), nullable=True),
    sa.Column('scoring_rule', sa.String(length=20), nullable=True),
    sa.Column('assisted_by_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("stage IN ('T0', 'T1')", name=op.f('ck_assessments_stage_valid')),
    sa.CheckConstraint("status IN ('draft', 'submitted')", name=op.f('ck_assessments_status_valid')),
    sa.CheckConstraint("variant IN ('sme', 'pso')", name=op.f('ck_assessments_variant_valid')),
    sa.CheckConstraint('cycle >= 1', name=op.f('ck_assessments_cycle_positive')),
    sa.CheckConstraint("status = 'draft' OR (overall IS NOT NULL AND overall BETWEEN 0 AND 100 AND band IS NOT NULL AND submitted_at IS NOT NULL)", name=op.f('ck_assessments_submitted_scored')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_assessments_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['assisted_by_id'], ['users.id'], name=op.f('fk_assessments_assisted_by_id_users')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_assessments_created_by_id_users')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_assessments_submitted_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessments')),
    sa.UniqueConstraint('organisation_id', 'cycle', 'stage', name=op.f('uq_assessments_organisation_id_cycle_stage'))
    )
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessments_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assessments_submitted_at'), ['submitted_at'], unique=False)

    op.create_table('dma_waivers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('granted_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_dma_waivers_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['granted_by_id'], ['users.id'], name=op.f('fk_dma_waivers_granted_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dma_waivers')),
    sa.UniqueConstraint('organisation_id', name=op.f('uq_dma_waivers_organisation_id'))
    )
    op.create_table('dma_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('cycle', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('number BETWEEN 1 AND 2', name=op.f('ck_dma_reminders_number_valid')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_dma_reminders_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dma_reminders')),
    sa.UniqueConstraint('organisation_id', 'cycle', 'number', name=op.f('uq_dma_reminders_organisation_id_cycle_number'))
    )
    with op.batch_alter_table('dma_reminders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dma_reminders_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('satisfaction_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('would_recommend', sa.Boolean(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('score BETWEEN 1 AND 10', name=op.f('ck_satisfaction_responses_score_range')),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_satisfaction_responses_application_id_applications')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_satisfaction_responses_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_satisfaction_responses_service_id_services')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_satisfaction_responses_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_satisfaction_responses')),
    sa.UniqueConstraint('application_id', name=op.f('uq_satisfaction_responses_application_id'))
    )
    with op.batch_alter_table('satisfaction_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_satisfaction_responses_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_satisfaction_responses_service_id'), ['service_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_satisfaction_responses_created_at'), ['created_at'], unique=False)


def downgrade():
    op.drop_table('satisfaction_responses')
    op.drop_table('dma_reminders')
    op.drop_table('dma_waivers')
    op.drop_table('assessments')
    op.create_table('assessments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=2), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('dimension_scores', sa.JSON(), nullable=False),
    sa.Column('overall', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("stage IN ('T0', 'T1')", name=op.f('ck_assessments_stage_valid')),
    sa.CheckConstraint('overall BETWEEN 0 AND 100', name=op.f('ck_assessments_overall_range')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_assessments_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessments')),
    sa.UniqueConstraint('organisation_id', 'stage', name=op.f('uq_assessments_organisation_id_stage'))
    )
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessments_organisation_id'), ['organisation_id'], unique=False)
