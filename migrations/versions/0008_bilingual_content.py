"""Bilingual catalogue content and the organisation's letter language (issue 10).

Revision ID: i10i18n_1
Revises: i8budget_1
Create Date: 2026-12-02

The existing ``name`` / ``description`` / ``label`` columns keep the English text;
the new ``*_ro`` columns hold the Romanian one (empty: the English is shown).
"""

import sqlalchemy as sa
from alembic import op

revision = "i10i18n_1"
down_revision = "i8budget_1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("partners") as batch:
        batch.add_column(sa.Column("name_ro", sa.String(200), nullable=True))
    with op.batch_alter_table("services") as batch:
        batch.add_column(sa.Column("name_ro", sa.String(200), nullable=True))
        batch.add_column(sa.Column("description_ro", sa.Text(), nullable=True))
    with op.batch_alter_table("rubric_criteria") as batch:
        batch.add_column(sa.Column("label_ro", sa.String(200), nullable=True))
    with op.batch_alter_table("organisations") as batch:
        batch.add_column(sa.Column("preferred_locale", sa.String(8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("organisations") as batch:
        batch.drop_column("preferred_locale")
    with op.batch_alter_table("rubric_criteria") as batch:
        batch.drop_column("label_ro")
    with op.batch_alter_table("services") as batch:
        batch.drop_column("description_ro")
        batch.drop_column("name_ro")
    with op.batch_alter_table("partners") as batch:
        batch.drop_column("name_ro")
