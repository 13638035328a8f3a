"""The database itself refuses to change an audit row (the app never does; this holds
against a script or a console too). Deleting stays possible: the retention prune."""

from django.db import migrations

TABLE = "accounts_accessevent"
MESSAGE = "the access audit trail is append-only"
SQL = {
    "sqlite": (
        f"CREATE TRIGGER {TABLE}_no_update BEFORE UPDATE ON {TABLE} "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;",
        f"DROP TRIGGER IF EXISTS {TABLE}_no_update;",
    ),
    "postgresql": (
        f"CREATE FUNCTION {TABLE}_no_update() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$; "
        f"CREATE TRIGGER {TABLE}_no_update BEFORE UPDATE ON {TABLE} "
        f"FOR EACH ROW EXECUTE FUNCTION {TABLE}_no_update();",
        f"DROP TRIGGER IF EXISTS {TABLE}_no_update ON {TABLE}; "
        f"DROP FUNCTION IF EXISTS {TABLE}_no_update();",
    ),
}


def _run(index: int):
    def run(apps, schema_editor) -> None:
        statements = SQL.get(schema_editor.connection.vendor)
        if statements:
            schema_editor.execute(statements[index])

    return run


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_access_audit")]

    operations = [migrations.RunPython(_run(0), _run(1))]
