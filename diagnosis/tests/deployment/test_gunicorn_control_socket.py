"""Each gunicorn instance gets its own control socket under the data folder (named by its
bind address), or none with PNEUMO_CONTROL_SOCKET=off; never the shared
~/.gunicorn/gunicorn.ctl."""

import runpy
import stat

import pytest

from diagnosis.tests.serving import ROOT, gunicorn


def config(monkeypatch, **env: str) -> dict:
    for name in ("PNEUMO_CONTROL_SOCKET", "PNEUMO_VAR_DIR", "PNEUMO_BIND"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_one_socket_per_bind_address_under_the_data_folder(monkeypatch, tmp_path):
    first = config(monkeypatch, PNEUMO_VAR_DIR=str(tmp_path), PNEUMO_BIND="127.0.0.1:8000")
    second = config(monkeypatch, PNEUMO_VAR_DIR=str(tmp_path), PNEUMO_BIND="127.0.0.1:8001")

    assert first["control_socket"] == str(tmp_path / "run" / "gunicorn-127.0.0.1-8000.ctl")
    assert second["control_socket"] != first["control_socket"]
    assert "control_socket_disable" not in first


def test_default_data_folder_and_explicit_path_and_off(monkeypatch, tmp_path):
    assert config(monkeypatch)["control_socket"].startswith(str(ROOT / "var" / "run"))
    path = str(tmp_path / "ctl.sock")
    assert config(monkeypatch, PNEUMO_CONTROL_SOCKET=path)["control_socket"] == path
    assert config(monkeypatch, PNEUMO_CONTROL_SOCKET="off")["control_socket_disable"] is True


@pytest.mark.slow
def test_two_instances_each_keep_their_own_socket(tmp_path, model):
    with gunicorn(tmp_path, WEB_CONCURRENCY="1"), gunicorn(tmp_path, WEB_CONCURRENCY="1"):
        sockets = sorted((tmp_path / "run").iterdir())
        assert len(sockets) == 2
        assert all(stat.S_ISSOCK(path.stat().st_mode) for path in sockets)
