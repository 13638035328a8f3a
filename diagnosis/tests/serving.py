"""Real servers on loopback for the tests that need them: gunicorn with the project's
gunicorn.conf.py, and Debian's nginx with deploy/nginx.conf.template in front of it."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.load import free_port

ROOT = Path(__file__).resolve().parents[2]
NGINX = Path("/usr/sbin/nginx")
# Only paths and ports differ from what docker-compose.yml runs.
NGINX_MAIN = """
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/nginx-error.log;
{user}
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/pneumoscan.conf;
}}
"""


def get(url: str, timeout: float = 5) -> int:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status


def wait_until_up(url: str, process: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited: {log.read_text()[-2000:]}")
        try:
            get(url, timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer in {seconds} s: {log.read_text()[-2000:]}")


@contextmanager
def running(command: list[str], url: str, log: Path, **popen) -> Iterator[subprocess.Popen]:
    """Start a server, wait for url to answer, stop it (and wait) whatever happens."""
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, **popen)
    try:
        wait_until_up(url, process, log)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def gunicorn(folder: Path, **env: str) -> Iterator[str]:
    """The app under gunicorn.conf.py on a loopback port; yields its base URL."""
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}  # a SQLite file
    environ.update(PNEUMO_BIND=f"127.0.0.1:{port}", PNEUMO_VAR_DIR=str(folder), **env)
    command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "pneumosite.wsgi"]
    base = f"http://127.0.0.1:{port}"
    with running(command, f"{base}/healthcheck", folder / "gunicorn.log", cwd=ROOT, env=environ):
        yield base


@contextmanager
def nginx_in_front(folder: Path, upstream: str) -> Iterator[str]:
    """Debian's nginx with the deployed server block in front of upstream (host:port)."""
    port = free_port()
    server = (ROOT / "deploy" / "nginx.conf.template").read_text()
    server = server.replace("${NGINX_PORT}", f"127.0.0.1:{port}")
    (folder / "pneumoscan.conf").write_text(server.replace("${PNEUMO_UPSTREAM}", upstream))
    user = "user root;" if os.geteuid() == 0 else ""  # workers must reach these folders
    (folder / "nginx.conf").write_text(NGINX_MAIN.format(folder=folder, user=user))
    command = [str(NGINX), "-p", str(folder), "-c", str(folder / "nginx.conf")]
    command += ["-e", str(folder / "nginx-error.log"), "-g", "daemon off;"]
    base = f"http://127.0.0.1:{port}"
    with running(command, f"{base}/healthcheck", folder / "nginx.log"):
        yield base


class SharedDatabase:
    """The test database as another process reaches it: ``url``, its DATABASE_URL.

    pytest-django's SQLite test database lives in this process's memory: it is copied to
    a file for the other process, and the file copied back by ``pull()``. Any other test
    database (a SQLite file, PostgreSQL in CI) is used by both as it is; what the other
    process commits is seen here at once (``transactional_db``).
    """

    def __init__(self, folder: Path) -> None:
        from django.db import connection

        self.copy: Path | None = None
        name = connection.settings_dict["NAME"]
        if connection.vendor != "sqlite":
            # The server, user and options of DATABASE_URL, the test database's name.
            url = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
            self.url = url._replace(path="/" + urllib.parse.quote(str(name))).geturl()
        elif connection.is_in_memory_db():
            self.copy = folder / "db.sqlite3"
            connection.ensure_connection()
            target = sqlite3.connect(self.copy)
            try:
                connection.connection.backup(target)
            finally:
                target.close()
            self.url = f"sqlite:///{self.copy}"
        else:
            self.url = f"sqlite:///{name}"

    def pull(self) -> None:
        """Make what the other process wrote (it has exited) the test database's content."""
        from django.db import connection

        if self.copy is None:
            return
        source = sqlite3.connect(self.copy)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
