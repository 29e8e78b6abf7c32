"""Partner approvers, the second approval, and the aid as the value received without paying.

Revision ID: i8core_1
Revises: 0001
Create Date: 2026-12-02

Schema:
- users.is_approver (the approver right of partner staff);
- applications: state `awaiting_second`, `first_approved_at`, the co-payment frozen at
  approval (`co_payment_percent`, `co_payment_cents`);
- approvals: one row per approval (unique per application and stage);
- services: `aid_share_percent` is replaced by `co_payment_percent` (DESIGN.md §4);
- aid_grants: the co-payment, the aid at approval, the final value and restatement date.

Data (reviewed): until now every service was free to the beneficiary (the letters said
"your organisation pays nothing") while the aid was recorded as 50 % of the approved
amount. Under the rule of DESIGN.md §4 the aid is the value received without paying,
so existing services get a co-payment of 0 %, existing approvals an aid equal to the
approved amount, and closed ones the aid restated to their actual cost. The budget
commitments are unchanged (they were always the approved amount, spent = actual cost).
Aid totals per undertaking group grow accordingly: `flask budget verify` reports any
group that the restated figures put over a ceiling, for the hub to review; nothing is
refused retroactively.

SQLite recreates the changed tables (batch mode); foreign keys are checked at commit
(`PRAGMA defer_foreign_keys`), when the recreated tables are back under their names.
"""
import sqlalchemy as sa
from alembic import op

revision = 'i8core_1'
down_revision = '0001'
branch_labels = None
depends_on = None

OLD_STATES = ('draft', 'submitted', 'in_review', 'returned', 'approved', 'rejected', 'withdrawn',
              'in_delivery', 'delivered', 'closed', 'cancelled')
NEW_STATES = ('draft', 'submitted', 'in_review', 'awaiting_second', 'returned', 'approved', 'rejected',
              'withdrawn', 'in_delivery', 'delivered', 'closed', 'cancelled')


def _state_check(states) -> str:
    return "state IN (" + ", ".join(f"'{s}'" for s in states) + ")"


def upgrade():
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("PRAGMA defer_foreign_keys = ON")

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_approver', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_check_constraint(op.f('ck_users_approver_is_partner_staff'), "NOT is_approver OR role = 'partner_staff'")

    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.add_column(sa.Column('co_payment_percent', sa.Integer(), server_default='0', nullable=False))
        batch_op.drop_constraint(op.f('ck_services_aid_share_range'), type_='check')
        batch_op.drop_column('aid_share_percent')
        batch_op.create_check_constraint(op.f('ck_services_co_payment_range'), 'co_payment_percent BETWEEN 0 AND 99')

    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('co_payment_percent', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('co_payment_cents', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('first_approved_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint(op.f('ck_applications_appstate'), type_='check')
        batch_op.create_check_constraint(op.f('ck_applications_appstate'), _state_check(NEW_STATES))
        batch_op.create_check_constraint(op.f('ck_applications_co_payment_percent_range'),
                                         'co_payment_percent IS NULL OR co_payment_percent BETWEEN 0 AND 99')
        batch_op.create_check_constraint(op.f('ck_applications_co_payment_within_approved'),
                                         'co_payment_cents IS NULL OR (co_payment_cents >= 0 '
                                         'AND co_payment_cents <= approved_cents)')

    op.create_table(
        'approvals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('application_id', sa.Integer(), nullable=False),
        sa.Column('stage', sa.Integer(), nullable=False),
        sa.Column('approver_id', sa.Integer(), nullable=False),
        sa.Column('decision_body', sa.String(length=40), nullable=False),
        sa.Column('amount_cents', sa.BigInteger(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('amount_cents > 0', name=op.f('ck_approvals_amount_positive')),
        sa.CheckConstraint('stage IN (1, 2)', name=op.f('ck_approvals_stage_range')),
        sa.ForeignKeyConstraint(['application_id'], ['applications.id'],
                                name=op.f('fk_approvals_application_id_applications')),
        sa.ForeignKeyConstraint(['approver_id'], ['users.id'], name=op.f('fk_approvals_approver_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_approvals')),
        sa.UniqueConstraint('application_id', 'stage', name='one_per_stage'),
        sa.UniqueConstraint('application_id', 'approver_id', name='one_per_approver'),
    )
    with op.batch_alter_table('approvals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_approvals_application_id'), ['application_id'], unique=False)

    with op.batch_alter_table('aid_grants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('co_payment_cents', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('approved_aid_cents', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('final_value_cents', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('restated_on', sa.Date(), nullable=True))

    # Data: free services, aid = value received without paying, restated at closing.
    op.execute("UPDATE applications SET co_payment_percent = 0, co_payment_cents = 0 "
               "WHERE approved_cents IS NOT NULL")
    op.execute("UPDATE applications SET aid_cents = approved_cents "
               "WHERE approved_cents IS NOT NULL AND legal_basis IS NOT NULL AND legal_basis != 'no_aid' "
               "AND state != 'closed'")
    op.execute("UPDATE applications SET aid_cents = COALESCE(actual_cost_cents, 0) "
               "WHERE approved_cents IS NOT NULL AND legal_basis IS NOT NULL AND legal_basis != 'no_aid' "
               "AND state = 'closed'")
    op.execute("UPDATE aid_grants SET approved_aid_cents = market_value_cents, aid_cents = market_value_cents, "
               "co_payment_cents = 0")
    op.execute("UPDATE aid_grants SET aid_cents = (SELECT COALESCE(a.actual_cost_cents, 0) FROM applications a "
               "WHERE a.id = aid_grants.application_id), final_value_cents = (SELECT COALESCE(a.actual_cost_cents, 0) "
               "FROM applications a WHERE a.id = aid_grants.application_id) "
               "WHERE application_id IN (SELECT id FROM applications WHERE state = 'closed')")
    op.execute("UPDATE aid_grants SET restated_on = (SELECT CAST(a.closed_at AS DATE) FROM applications a "
               "WHERE a.id = aid_grants.application_id) "
               "WHERE application_id IN (SELECT id FROM applications WHERE state = 'closed')")

    with op.batch_alter_table('aid_grants', schema=None) as batch_op:
        batch_op.alter_column('approved_aid_cents', server_default=None)
        batch_op.create_check_constraint(op.f('ck_aid_grants_co_payment_nonneg'), 'co_payment_cents >= 0')
        batch_op.create_check_constraint(op.f('ck_aid_grants_restated_not_above_approved'), 'aid_cents <= approved_aid_cents')
        batch_op.create_check_constraint(op.f('ck_aid_grants_final_value_nonneg'), 'final_value_cents IS NULL OR final_value_cents >= 0')


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("PRAGMA defer_foreign_keys = ON")
    with op.batch_alter_table('aid_grants', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_aid_grants_final_value_nonneg'), type_='check')
        batch_op.drop_constraint(op.f('ck_aid_grants_restated_not_above_approved'), type_='check')
        batch_op.drop_constraint(op.f('ck_aid_grants_co_payment_nonneg'), type_='check')
        batch_op.drop_column('restated_on')
        batch_op.drop_column('final_value_cents')
        batch_op.drop_column('approved_aid_cents')
        batch_op.drop_column('co_payment_cents')
    with op.batch_alter_table('approvals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_approvals_application_id'))
    op.drop_table('approvals')
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_applications_co_payment_within_approved'), type_='check')
        batch_op.drop_constraint(op.f('ck_applications_co_payment_percent_range'), type_='check')
        batch_op.drop_constraint(op.f('ck_applications_appstate'), type_='check')
        batch_op.create_check_constraint(op.f('ck_applications_appstate'), _state_check(OLD_STATES))
        batch_op.drop_column('first_approved_at')
        batch_op.drop_column('co_payment_cents')
        batch_op.drop_column('co_payment_percent')
    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.add_column(sa.Column('aid_share_percent', sa.Integer(), server_default='50', nullable=False))
        batch_op.drop_constraint(op.f('ck_services_co_payment_range'), type_='check')
        batch_op.drop_column('co_payment_percent')
        batch_op.create_check_constraint(op.f('ck_services_aid_share_range'), 'aid_share_percent BETWEEN 0 AND 100')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_approver_is_partner_staff'), type_='check')
        batch_op.drop_column('is_approver')
