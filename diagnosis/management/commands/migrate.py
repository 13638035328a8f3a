"""Django's ``migrate``, first creating the SQLite database's folder.

Importing the settings creates no directory; the first command that needs the default
SQLite file (``var/db.sqlite3`` under ``PNEUMO_VAR_DIR``) is this one.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.commands.migrate import Command as MigrateCommand
from django.db import DEFAULT_DB_ALIAS, connections


class Command(MigrateCommand):
    def execute(self, *args, **options):
        # Before Django's checks, which already open the database.
        database = connections[options.get("database") or DEFAULT_DB_ALIAS].settings_dict
        name = str(database["NAME"] or "")
        in_memory = name in ("", ":memory:") or "mode=memory" in name
        if database["ENGINE"] == "django.db.backends.sqlite3" and not in_memory:
            Path(name).parent.mkdir(parents=True, exist_ok=True)
        return super().execute(*args, **options)
