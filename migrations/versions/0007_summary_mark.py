"""Issue 13: the change mark behind the summary cache, and the queue's keyset indexes.

`change_marks` holds one row (id 1) whose version every transaction that changes
budget or application data bumps (dih4society/core/marks.py). The queue walks
applications in (submitted_at, id) order: one index for all states, one per state
(it replaces the (state, submitted_at) index, which it covers).

Revision ID: i8budget_1
Revises: i8ux_1
"""
from alembic import op
import sqlalchemy as sa


revision = 'i8budget_1'
down_revision = 'i8ux_1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'change_marks',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.CheckConstraint('id = 1', name=op.f('ck_change_marks_single_row')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_change_marks')),
    )
    op.execute("INSERT INTO change_marks (id, version) VALUES (1, 0)")
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index('ix_applications_state_submitted')
        batch_op.create_index('ix_applications_state_submitted_id', ['state', 'submitted_at', 'id'], unique=False)
        batch_op.create_index('ix_applications_submitted_id', ['submitted_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index('ix_applications_submitted_id')
        batch_op.drop_index('ix_applications_state_submitted_id')
        batch_op.create_index('ix_applications_state_submitted', ['state', 'submitted_at'], unique=False)
    op.drop_table('change_marks')
