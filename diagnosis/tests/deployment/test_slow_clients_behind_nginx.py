"""With nginx in front (deploy/nginx.conf.template), clients that stall mid-header do not
delay anyone else: nginx holds their connections, gunicorn never sees them."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from diagnosis.tests.serving import NGINX, get, gunicorn, nginx_in_front

pytestmark = [
    pytest.mark.slow,
    pytest.mark.nginx,
    pytest.mark.skipif(
        not NGINX.is_file(),
        reason="needs Debian's nginx at /usr/sbin/nginx (apt-get install nginx)",
    ),
]
PARTIAL_HEADER = b"GET /healthcheck HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "


def still_open(connection: socket.socket) -> bool:
    connection.setblocking(False)
    try:
        return connection.recv(1, socket.MSG_PEEK) != b""
    except BlockingIOError:  # nothing to read and not closed
        return True


def test_ten_stalled_connections_do_not_delay_the_health_check(tmp_path: Path):
    (tmp_path / "nginx").mkdir()
    # One worker with two threads: ten stalled connections would hold it entirely.
    with (
        gunicorn(tmp_path, WEB_CONCURRENCY="1", PNEUMO_THREADS="2") as app,
        nginx_in_front(tmp_path / "nginx", app.removeprefix("http://")) as front,
    ):
        host, port = front.removeprefix("http://").split(":")
        stalled = [socket.create_connection((host, int(port))) for _ in range(10)]
        try:
            for connection in stalled:
                connection.sendall(PARTIAL_HEADER)
            time.sleep(0.5)

            started = time.monotonic()
            status = get(f"{front}/healthcheck", timeout=10)
            elapsed = time.monotonic() - started

            assert status == 200
            assert elapsed < 2, f"the health check took {elapsed:.1f} s"
            assert all(still_open(connection) for connection in stalled)
        finally:
            for connection in stalled:
                connection.close()
