"""What every test tree shares: one tiny trained model artifact per test session."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.servers.basehttp import WSGIServer
from django.test.testcases import LiveServerThread

from mlcore.testing import build_tiny_artifact

# The live server (browser, contract and STOW tests) shares the tests' in-memory SQLite
# connection; Django's threaded live server would use that one connection from several
# request threads at once, which SQLite refuses ("database table is locked") now that an
# image request writes an audit row while the page's other requests do. One request at a
# time, as that connection allows (a deployment uses WAL and a busy timeout instead).


class SerialLiveServer(WSGIServer):
    """Django's live server without threads: requests run in the server's thread, which
    LiveServerThread gives the shared connection."""

    def __init__(self, *args, connections_override=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)


LiveServerThread.server_class = SerialLiveServer


@pytest.fixture(scope="session")
def trained_artifact(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny model trained on generated images in a few seconds (never change it: copy)."""
    return build_tiny_artifact(tmp_path_factory.mktemp("tiny-model"))
