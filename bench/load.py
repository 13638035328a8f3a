"""The site as it runs: gunicorn on loopback, real HTTP, real database and files.

`python -m bench.load --neighbours 20`: one user's uploads with their heatmaps, alone and then
beside another user who takes all the default limits allow; the ratio of the p50s.

`python -m bench.load --clients 8 --uploads 200` starts the app with gunicorn (SQLite in a
temporary folder, or the PostgreSQL of $DATABASE_URL), creates one user per client, fires
the uploads concurrently with history reads in between, then checks that every 201 has
its row and its files, that counts match, that no answer was a 5xx and that no user saw
another's scans; it prints throughput and p50/p95 latency. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench.images import dataset_xrays, full_size_xray_jpeg

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "load-test-password-1"
DEFAULT_WORKERS = 2  # gunicorn.conf.py's WEB_CONCURRENCY default


def tf_threads_per_worker(workers: int = DEFAULT_WORKERS) -> int:
    """TensorFlow's threads in each of ``workers`` web workers (gunicorn.conf.py's rule)."""
    return max(1, (os.cpu_count() or 1) // workers)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    base: str
    process: subprocess.Popen
    env: dict[str, str]
    media_root: Path
    started_at: float

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def worker_rss_mb(self) -> list[float]:
        sizes = []
        for pid in self.worker_pids():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
        return sizes


@contextmanager
def running_server(
    workers: int,
    model_dir: Path,
    database_url: str | None = None,
    threads: int = 4,
    limits: bool = False,
):
    """gunicorn with `workers` processes of `threads` threads on a free loopback port,
    its own data folder; the rate limits raised out of the way unless `limits`."""
    with tempfile.TemporaryDirectory(prefix="pneumo-load-") as folder:
        port = free_port()
        env = {
            **os.environ,
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SECURE": "0",
            "PNEUMO_VAR_DIR": folder,
            "PNEUMO_MEDIA_ROOT": f"{folder}/media",
            "DJANGO_STATIC_ROOT": f"{folder}/static",
            "PNEUMO_MODEL_DIR": str(model_dir),
            "PNEUMO_BIND": f"127.0.0.1:{port}",
            "WEB_CONCURRENCY": str(workers),
            "PNEUMO_THREADS": str(threads),
            "PNEUMO_LOG_LEVEL": "warning",
            "DJANGO_LOG_LEVEL": "WARNING",
            "TF_CPP_MIN_LOG_LEVEL": "3",
        }
        if not limits:
            env.update(
                PNEUMO_THROTTLE_USER="1000000/minute", PNEUMO_THROTTLE_UPLOADS="1000000/minute"
            )
        if database_url:
            env["DATABASE_URL"] = database_url
        for command in ("migrate", "collectstatic"):
            subprocess.run(
                [sys.executable, "manage.py", command, "--noinput", "-v0"],
                cwd=ROOT,
                env=env,
                check=True,
            )
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "pneumosite.wsgi"],
            cwd=ROOT,
            env={**env, "PNEUMO_LOG_LEVEL": "warning"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        server = Server(f"http://127.0.0.1:{port}", process, env, Path(folder) / "media", started)
        try:
            wait_until_up(server)
            yield server
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)


def wait_until_up(server: Server, timeout: float = 120) -> None:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        try:
            with urllib.request.urlopen(server.base + "/healthcheck", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /healthcheck in time")


def warm_up(server: Server) -> None:
    """Make every worker load the model before anything is measured."""
    url = server.base + "/healthcheck?model=1"
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda _: call(url), range(4 * max(1, len(server.worker_pids())))))


def create_users(server: Server, count: int) -> dict[str, str]:
    """username -> API token, made in the server's database."""
    code = (
        "import json; from django.contrib.auth import get_user_model;"
        "from rest_framework.authtoken.models import Token; tokens = {};\n"
        f"for i in range({count}):\n"
        f"    u = get_user_model().objects.create_user(f'load{{i}}', password='{PASSWORD}')\n"
        "    tokens[u.username] = Token.objects.create(user=u).key\n"
        "print(json.dumps(tokens))"
    )
    return json.loads(server.manage("shell", "-c", code).strip().splitlines()[-1])


def multipart(field_name: str, filename: str, data: bytes, content_type: str) -> tuple[bytes, str]:
    return multipart_files(field_name, [(filename, data)], content_type)


def multipart_files(
    field_name: str, files: list[tuple[str, bytes]], content_type: str
) -> tuple[bytes, str]:
    """A multipart body repeating ``field_name`` once per (file name, content)."""
    boundary = secrets.token_hex(16)
    parts = []
    for filename, data in files:
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field_name}"; '
            f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'
        ).encode()
        parts.append(head + data + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), boundary


@dataclass
class Call:
    status: int
    seconds: float
    body: dict | list | None = None


def call(url: str, *, token: str | None = None, data: bytes | None = None, headers=None) -> Call:
    request = urllib.request.Request(url, data=data, headers=dict(headers or {}))
    if token:
        request.add_header("Authorization", f"Token {token}")
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            raw, status = response.read(), response.status
    except urllib.error.HTTPError as error:
        raw, status = error.read(), error.code
    elapsed = time.perf_counter() - started
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    return Call(status, elapsed, body)


def upload(
    server: Server, token: str, image: bytes, name: str, content_type: str = "image/jpeg"
) -> Call:
    body, boundary = multipart("image", name, image, content_type)
    return call(
        # the same image again and again: reanalyse, or the app answers from the first scan
        server.base + "/api/scans/?reanalyse=1",
        token=token,
        data=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )


def session_opener(server: Server, username: str) -> urllib.request.OpenerDirector:
    """A browser-like client logged in through the login form (cookies and CSRF)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(server.base + "/accounts/login/").read().decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode(
        {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": csrf}
    ).encode()
    opener.open(urllib.request.Request(server.base + "/accounts/login/", data=form))
    return opener


def timed_get(opener: urllib.request.OpenerDirector, url: str) -> Call:
    started = time.perf_counter()
    try:
        with opener.open(url, timeout=60) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return Call(status, time.perf_counter() - started)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


@dataclass
class LoadResult:
    uploads: list[Call] = field(default_factory=list)
    reads: list[Call] = field(default_factory=list)
    created: dict[str, list[int]] = field(default_factory=dict)
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, float | int]:
        upload_s = [c.seconds * 1000 for c in self.uploads if c.status == 201]
        read_s = [c.seconds * 1000 for c in self.reads if c.status == 200]
        return {
            "uploads": len(self.uploads),
            "201": sum(c.status == 201 for c in self.uploads),
            "5xx": sum(c.status >= 500 for c in self.uploads + self.reads),
            "uploads/s": len(self.uploads) / self.seconds,
            "upload p50 ms": statistics.median(upload_s) if upload_s else float("nan"),
            "upload p95 ms": percentile(upload_s, 0.95) if upload_s else float("nan"),
            "read p50 ms": statistics.median(read_s) if read_s else float("nan"),
            "read p95 ms": percentile(read_s, 0.95) if read_s else float("nan"),
        }


def run_load(server: Server, tokens: dict[str, str], uploads: int, clients: int) -> LoadResult:
    """`uploads` uploads over `clients` threads, each client a user; a list read after each."""
    images = [full_size_xray_jpeg(seed=seed) for seed in range(4)]
    users = list(tokens)
    result = LoadResult(created={user: [] for user in users})

    def one(index: int) -> tuple[str, Call, Call]:
        user = users[index % len(users)]
        made = upload(server, tokens[user], images[index % len(images)], f"load-{index}.jpg")
        listed = call(server.base + "/api/scans/?page=1", token=tokens[user])
        return user, made, listed

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        for user, made, listed in pool.map(one, range(uploads)):
            result.uploads.append(made)
            result.reads.append(listed)
            if made.status == 201:
                result.created[user].append(made.body["id"])
    result.seconds = time.perf_counter() - started
    result.problems = verify(server, tokens, result)
    return result


VICTIM_PACE = 1.2  # seconds between a victim's uploads: within every default rate


def victim_timings(server: Server, token: str, count: int, image: bytes) -> list[float]:
    """One user's ordinary work, at a clinician's pace: an upload, then its heatmap (ms
    each, both answered 2xx)."""
    timings = []
    for index in range(count):
        started = time.perf_counter()
        made = upload(server, token, image, f"victim-{index}.jpg")
        if made.status == 201:
            mapped = call(f"{server.base}/api/scans/{made.body['id']}/heatmap/", token=token)
            if mapped.status == 200:
                timings.append((time.perf_counter() - started) * 1000)
        time.sleep(max(0.0, VICTIM_PACE - (time.perf_counter() - started)))
    return timings


def hostile(server: Server, token: str, images, stop, counts: Counter) -> None:
    """Another user taking all the limits allow: batches of fresh scans (reanalysed) of
    ``images``, then every one of their heatmaps; waiting out each 429 as it says."""
    while not stop.is_set():
        body, boundary = multipart_files("images", images, "image/jpeg")
        batch = call(
            server.base + "/api/scans/batch/?reanalyse=1",
            token=token,
            data=body,
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        counts[batch.status] += 1
        for scan in batch.body.get("scans", []) if isinstance(batch.body, dict) else []:
            counts[call(f"{server.base}/api/scans/{scan['id']}/heatmap/", token=token).status] += 1
        if batch.status == 429:
            wait = re.search(r"try again in (\d+) s", str(batch.body))
            stop.wait(min(float(wait.group(1)) if wait else 1.0, 5.0))


def neighbours(model: Path, count: int) -> dict[str, object]:
    """The victim's upload-and-heatmap p50 alone, then beside the hostile user, with the
    default limits (PNEUMO_THROTTLE_UPLOADS, PNEUMO_THROTTLE_MAPS): target ratio <= 2."""
    with running_server(DEFAULT_WORKERS, model, limits=True) as server:
        tokens = list(create_users(server, 2).values())
        warm_up(server)
        # Real X-rays: a generated one is not recognised by the shipped model, and gets no map.
        real = dataset_xrays(33)
        if not real:
            raise SystemExit("needs ../shared/datasets/chest_xray (real X-rays get heatmaps)")
        image = real[0][1]
        alone = victim_timings(server, tokens[0], count, image)
        stop, counts = threading.Event(), Counter()
        noisy = threading.Thread(target=hostile, args=(server, tokens[1], real[1:], stop, counts))
        noisy.start()
        time.sleep(2)  # the hostile user at full speed first
        beside = victim_timings(server, tokens[0], count, image)
        stop.set()
        noisy.join()
    ratio = statistics.median(beside) / statistics.median(alone)
    return {
        "victim upload + heatmap p50 ms, alone": statistics.median(alone),
        "victim upload + heatmap p50 ms, beside the hostile user": statistics.median(beside),
        "ratio (target <= 2)": ratio,
        "hostile user's answers (status: count)": dict(sorted(counts.items())),
    }


def verify(server: Server, tokens: dict[str, str], result: LoadResult) -> list[str]:
    """Every 201 has its row and files; nobody sees anyone else's scans; no 5xx."""
    problems = []
    statuses = Counter(c.status for c in result.uploads + result.reads)
    if any(code >= 500 for code in statuses):
        problems.append(f"server errors: {dict(statuses)}")
    all_ids: set[int] = set()
    for user, token in tokens.items():
        exported = call(server.base + "/api/scans/export/", token=token).body
        seen = {row["id"] for row in exported}
        if seen != set(result.created[user]):
            problems.append(f"{user}: created {len(result.created[user])}, listed {len(seen)}")
        if seen & all_ids:
            problems.append(f"{user} sees scans of another user")
        all_ids |= seen
    files = [path for path in server.media_root.rglob("*") if path.is_file()]
    if len(files) != 2 * len(all_ids):
        problems.append(f"{len(files)} stored files for {len(all_ids)} scans (expected 2 each)")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--uploads", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--model", type=Path, default=ROOT / "mlcore" / "shipped_model")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument(
        "--neighbours",
        type=int,
        metavar="N",  # 20: about a minute
        help="instead: N victim uploads alone, then N beside a hostile user (default limits)",
    )
    args = parser.parse_args(argv)
    if args.neighbours:
        found = neighbours(args.model, args.neighbours)
        for name, value in found.items():
            print(f"  {name}: {value:.1f}" if isinstance(value, float) else f"  {name}: {value}")
        return 0 if found["ratio (target <= 2)"] <= 2 else 1
    database = "PostgreSQL" if args.database_url else "SQLite"
    with running_server(args.workers, args.model, args.database_url) as server:
        tokens = create_users(server, args.clients)
        warm_up(server)
        result = run_load(server, tokens, args.uploads, args.clients)
    print(f"{database}, {args.workers} gunicorn workers, {args.clients} concurrent clients:")
    for name, value in result.summary().items():
        print(
            f"  {name:>14}: {value:.1f}" if isinstance(value, float) else f"  {name:>14}: {value}"
        )
    print("  verification:", "all consistent" if not result.problems else result.problems)
    return 1 if result.problems else 0


if __name__ == "__main__":
    sys.exit(main())
