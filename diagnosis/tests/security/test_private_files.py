"""What the app writes is its user's alone, whatever umask it was started with."""

from __future__ import annotations

import os
import stat

from diagnosis.apps import private_var_dir
from diagnosis.tests.conftest import stored_files


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_stored_pictures_and_their_folders_are_private(make_scan, alice, settings):
    previous = os.umask(0o022)  # a permissive shell's
    try:
        make_scan(alice)
    finally:
        os.umask(previous)

    files = stored_files(settings.MEDIA_ROOT)
    assert files and all(mode(path) == 0o600 for path in files)
    assert all(mode(path.parent) == 0o700 for path in files)


def test_an_older_install_left_open_is_tightened_at_start(settings, tmp_path):
    var = tmp_path / "var"
    var.mkdir(mode=0o755)
    database = var / "db.sqlite3"
    database.write_bytes(b"")
    database.chmod(0o644)
    settings.VAR_DIR = var
    settings.DATABASES = {**settings.DATABASES}
    settings.DATABASES["default"] = {**settings.DATABASES["default"], "NAME": str(database)}

    private_var_dir()

    assert (mode(var), mode(database)) == (0o700, 0o600)
