"""The schema comes from migrations only, and the models match the head."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from dih4society.extensions import db


def test_models_match_migration_head(ctx):
    """The `flask db check` equivalent: no drift between models and the migrated schema."""
    with db.engine.connect() as conn:
        mc = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(mc, db.metadata)
    assert diff == []


def test_database_is_at_the_single_head(ctx):
    from alembic.script import ScriptDirectory
    from flask_migrate import Migrate

    config = ctx.extensions["migrate"].migrate.get_config()
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1
    with db.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_heads() == tuple(heads)
    assert Migrate  # the extension the app uses
