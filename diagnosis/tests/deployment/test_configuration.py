"""Every environment variable the site reads is on the configuration page; settings create
nothing."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
# pneumosite.settings' helpers
READERS = {"env_str", "env_int", "env_bool", "env_list", "env_secret"}
ENVIRON_METHODS = {"get", "setdefault", "pop"}


def _is_environ(node: ast.AST) -> bool:
    return ast.unparse(node) in {"os.environ", "environ"}


def _name(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def variables_read(path: Path) -> set[str]:
    """Names in env_*("X"), os.environ.get("X"), os.getenv("X"), os.environ["X"] and
    "X" in os.environ."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            reader = isinstance(func, ast.Name) and func.id in READERS
            environ = isinstance(func, ast.Attribute) and (
                (func.attr in ENVIRON_METHODS and _is_environ(func.value))
                or ast.unparse(func) == "os.getenv"
            )
            if reader or environ:
                names.add(_name(node.args[0]))
        elif isinstance(node, ast.Subscript) and _is_environ(node.value):
            names.add(_name(node.slice))
        elif isinstance(node, ast.Compare) and any(_is_environ(c) for c in node.comparators):
            names.add(_name(node.left))
    return names - {None}


def documented_variables() -> set[str]:
    """The names in the first column of the configuration page's tables."""
    page = (ROOT / "docs" / "configuration.md").read_text()
    rows = [line for line in page.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])}


def test_the_parser_finds_every_kind_of_read(tmp_path):
    source = tmp_path / "conf.py"
    source.write_text(
        'import os\na = env_int("A", 1)\nb = os.environ.get("B")\nc = os.environ["C"]\n'
        'd = "D" in os.environ\ne = os.getenv("E")\nos.environ.setdefault("F", "1")\n'
    )
    assert variables_read(source) == set("ABCDEF")


@pytest.mark.parametrize("path", ["pneumosite/settings.py", "gunicorn.conf.py"])
def test_every_variable_read_is_on_the_configuration_page(path):
    read = variables_read(ROOT / path)

    assert len(read) > 2  # the parser found the reads
    assert sorted(read - documented_variables()) == []


@pytest.mark.slow
def test_importing_the_settings_creates_no_folder_and_migrate_creates_the_database(tmp_path):
    var = tmp_path / "var"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(PNEUMO_VAR_DIR=str(var), DJANGO_SETTINGS_MODULE="pneumosite.settings")

    def run(*args: str) -> None:
        subprocess.run([sys.executable, *args], cwd=ROOT, env=env, check=True, timeout=120)

    run("-c", "import django; django.setup(); from django.conf import settings; settings.STORAGES")
    assert not var.exists()
    run("manage.py", "migrate", "--noinput", "--verbosity", "0")
    assert (var / "db.sqlite3").is_file()
