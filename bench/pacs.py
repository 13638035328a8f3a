"""The DICOM node under a burst (BENCHMARKS.md): `python -m bench.pacs [--count 200] [--quick]`.

Real parts on loopback, each in a throwaway folder of its own: Debian's Orthanc as the
PACS, `manage.py dicom_listener` and `manage.py dicom_worker` as subprocesses (a fresh
SQLite database, the installed model), dcmtk's storescu as the modality. Every instance
goes to Orthanc first (the worker C-FINDs its header there), then to the listener: with one
association, with 4 in parallel, with Orthanc stopped for a while mid-burst (restarted on
its storage), and with the listener killed (SIGKILL) mid-burst and restarted; what storescu
did not see acknowledged is sent again, as a modality would. Measured: every instance in
the history and its SR in Orthanc (none lost, none twice), the time from the C-STORE to
the SR in Orthanc, and the throughput, beside the batch upload API's (gunicorn as
bench.load starts it) on the same images. Real chest X-rays from ../shared/datasets/chest_xray
when it is there (made DICOM CR here), synthetic ones otherwise.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pydicom
from cryptography.fernet import Fernet
from PIL import Image
from pydicom.uid import ComputedRadiographyImageStorage

from bench import load
from bench.images import DATASET, dataset_xrays, full_size_xray_jpeg
from bench.report import table
from mlcore.tests.dicom_files import dicom_bytes
from pacs.testing import STORESCU, start_orthanc, stop_orthanc, wait_for_port

ROOT = Path(__file__).resolve().parents[1]
OWNER = "pacs"
BATCH_FILES = 32  # PNEUMO_MAX_BATCH_FILES' default


# --- the images ---------------------------------------------------------------------------


def source_images(count: int) -> tuple[list[tuple[str, bytes]], str]:
    """``count`` JPEGs (name, bytes), and where they came from."""
    if real := dataset_xrays(count):
        return real, (
            f"real chest X-rays ({(DATASET / 'test').relative_to(ROOT.parent)}, 224x224 JPEGs "
            "made CR)"
        )
    return [(f"synthetic-{i}.jpg", full_size_xray_jpeg(512, 512, seed=i)) for i in range(count)], (
        "synthetic 512x512 radiographs (no ../shared/datasets/chest_xray)"
    )


def as_cr(jpeg: bytes) -> bytes:
    """The JPEG as a 12-bit DICOM CR instance of its own (new study, series, SOP UIDs)."""
    gray = np.asarray(Image.open(io.BytesIO(jpeg)).convert("L"), dtype=np.uint16) << 4
    dataset = pydicom.dcmread(io.BytesIO(dicom_bytes(gray, bits=12, modality="CR")))
    dataset.SOPClassUID = ComputedRadiographyImageStorage
    dataset.file_meta.MediaStorageSOPClassUID = ComputedRadiographyImageStorage
    buffer = io.BytesIO()
    dataset.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def write_instances(folder: Path, images: list[tuple[str, bytes]]) -> dict[Path, str]:
    """One DICOM file per image: path -> its StudyInstanceUID."""
    folder.mkdir(parents=True, exist_ok=True)
    studies = {}
    for index, (_, jpeg) in enumerate(images):
        path = folder / f"instance-{index:04d}.dcm"
        path.write_bytes(as_cr(jpeg))
        studies[path] = str(pydicom.dcmread(path, stop_before_pixels=True).StudyInstanceUID)
    return studies


# --- the node: Orthanc, listener, worker -------------------------------------------------


@dataclass
class Node:
    folder: Path
    env: dict[str, str]
    listener_port: int
    http_port: int
    dicom_port: int
    orthanc: object = None
    listener: subprocess.Popen | None = None
    worker: subprocess.Popen | None = None

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
        )
        if done.returncode:
            raise RuntimeError(f"manage.py {args[0]}: {done.stderr[-2000:]}")
        return done.stdout

    def _command(self, name: str, *args: str) -> subprocess.Popen:
        log = (self.folder / f"{name}.log").open("ab")
        return subprocess.Popen(
            [sys.executable, "manage.py", name, *args],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=log,
        )

    def start_listener(self) -> None:
        self.listener = self._command("dicom_listener")
        wait_for_port(self.listener_port, 120)

    def kill_listener(self) -> None:
        self.listener.send_signal(signal.SIGKILL)
        self.listener.wait(30)

    def start_orthanc(self) -> None:
        self.orthanc = start_orthanc(
            self.folder / "orthanc", self.http_port, self.dicom_port, self.listener_port
        )

    def stop_orthanc(self) -> None:
        stop_orthanc(self.orthanc)  # waits for the process to exit: then the storage is free

    def stats(self) -> dict:
        code = (
            "import json; from collections import Counter; from django.db.models import Count, Sum;"
            "from diagnosis.models import Scan; from pacs.models import Delivery, ReceivedInstance;"
            "r = ReceivedInstance.objects; d = Delivery.objects;"
            "print(json.dumps({'scans': Scan.objects.count(), 'received': r.count(),"
            "'times_received': r.aggregate(s=Sum('times_received'))['s'] or 0,"
            "'outcomes': Counter(r.values_list('outcome', flat=True)),"
            "'deliveries': Counter(d.values_list('state', flat=True)),"
            "'attempts': Counter(d.values_list('attempts', flat=True)),"
            "'twice_queued': d.values('received', 'kind').annotate(n=Count('id'))"
            ".filter(n__gt=1).count(),"
            "'scans_twice': r.values('scan').annotate(n=Count('id')).filter(n__gt=1).count()}))"
        )
        return json.loads(self.manage("shell", "-c", code).strip().splitlines()[-1])


@contextmanager
def running_node(model_dir: Path, backoff: float) -> Iterator[Node]:
    """Orthanc, the listener and the worker, on free loopback ports and a folder of their own."""
    with tempfile.TemporaryDirectory(prefix="pneumo-pacs-") as name:
        folder = Path(name)
        listener_port, http, dicom = load.free_port(), load.free_port(), load.free_port()
        env = {
            **os.environ,
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SECURE": "0",
            "PNEUMO_VAR_DIR": name,
            "PNEUMO_MEDIA_ROOT": f"{name}/media",
            "PNEUMO_MODEL_DIR": str(model_dir),
            "PNEUMO_INTEGRATION_KEY": Fernet.generate_key().decode(),
            "PNEUMO_DICOM_OWNER": OWNER,
            "PNEUMO_DICOM_PORT": str(listener_port),
            "PNEUMO_DICOM_DESTINATION": f"ORTHANC@127.0.0.1:{dicom}",
            "PNEUMO_DELIVERY_BACKOFF_SECONDS": str(int(backoff)),
            "PNEUMO_DELIVERY_ATTEMPTS": "12",
            "DJANGO_LOG_LEVEL": "WARNING",
            "TF_CPP_MIN_LOG_LEVEL": "3",
        }
        env.pop("DATABASE_URL", None)  # a throwaway SQLite database: the counts are this run's
        node = Node(folder, env, listener_port, http, dicom)
        node.manage("migrate", "--noinput", "-v0")
        node.manage(
            "shell",
            "-c",
            "from django.contrib.auth import get_user_model;"
            f"get_user_model().objects.create_user({OWNER!r}, password='pacs-service-user-1')",
        )
        node.start_orthanc()
        node.start_listener()
        node.worker = node._command("dicom_worker", "--interval", "0.2")
        try:
            yield node
        finally:
            for process in (node.listener, node.worker):
                if process.poll() is None:
                    process.terminate()
                    try:
                        process.wait(30)
                    except subprocess.TimeoutExpired:
                        process.kill()
            if node.orthanc.process.poll() is None:
                node.stop_orthanc()


# --- the modality: storescu --------------------------------------------------------------


def store_timed(
    port: int,
    aec: str,
    paths: list[Path],
    on_ack: Callable[[Path], None] | None = None,
    errors: Counter | None = None,
):
    """One association for ``paths``: {path: time sent} and {path: time acknowledged}."""
    process = subprocess.Popen(
        [STORESCU, "-v", "-aet", "MODALITY", "-aec", aec, "127.0.0.1", str(port)]
        + [str(p) for p in paths],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    sent: dict[Path, float] = {}
    acked: dict[Path, float] = {}
    current, failed = None, False
    for line in process.stdout:
        if line.startswith(("E: ", "F: ")) and errors is not None and not failed:
            failed = True  # the first line of a failure names it
            errors[line[3:].split(":")[0].strip()[:60]] += 1
        if "Sending file: " in line:
            current = Path(line.split("Sending file: ", 1)[1].strip())
            sent[current] = time.monotonic()
        elif "Received Store Response (Success" in line and current is not None:
            acked[current] = time.monotonic()
            if on_ack:
                on_ack(current)
            current = None
    process.wait(60)
    return sent, acked


def to_orthanc(node: Node, paths: list[Path]) -> None:
    """The PACS holds each source before we get it (4 associations)."""
    chunks = [paths[i::4] for i in range(4)]
    with ThreadPoolExecutor(4) as pool:
        acked = sum(
            len(a)
            for _, a in pool.map(lambda c: store_timed(node.dicom_port, "ORTHANC", c), chunks)
        )
    if acked != len(paths):
        raise RuntimeError(f"Orthanc acknowledged {acked} of {len(paths)} sources")


# --- the PACS side: when each SR shows up ------------------------------------------------


class ReportWatcher(threading.Thread):
    """Polls Orthanc's /changes: the time each of our SRs and captures appeared, by study."""

    def __init__(self, node: Node) -> None:
        super().__init__(daemon=True)
        self.node = node
        self.since = node.orthanc.get("/changes?last")["Last"]
        self.reports: dict[str, list[float]] = {}
        self.captures: dict[str, list[float]] = {}
        self.stop = threading.Event()
        self.downtime_polls = 0

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self.poll()
            except OSError:  # Orthanc stopped on purpose: it comes back
                self.downtime_polls += 1
            self.stop.wait(0.25)

    def poll(self) -> None:
        orthanc = self.node.orthanc
        while True:
            changes = orthanc.get(f"/changes?since={self.since}&limit=500")
            now = time.monotonic()
            for change in changes["Changes"]:
                if change["ChangeType"] == "NewInstance":
                    tags = orthanc.get(f"/instances/{change['ID']}/simplified-tags")
                    if tags.get("Manufacturer") == "PneumoScan":
                        kind = self.reports if tags.get("Modality") == "SR" else self.captures
                        kind.setdefault(tags["StudyInstanceUID"], []).append(now)
            self.since = changes["Last"]
            if changes["Done"]:
                return


# --- one burst ----------------------------------------------------------------------------


@dataclass
class Burst:
    count: int
    seconds: float = 0.0
    first_sent: dict[Path, float] = field(default_factory=dict)
    acked: dict[Path, float] = field(default_factory=dict)
    resent: int = 0
    latencies: list[float] = field(default_factory=list)
    capture_latencies: list[float] = field(default_factory=list)
    capture_seconds: float = 0.0
    missing: int = 0
    twice: int = 0
    with_report: int = 0
    reports_total: int = 0
    stats: dict = field(default_factory=dict)
    fault_note: str = ""
    errors: Counter = field(default_factory=Counter)


def burst(
    node: Node,
    studies: dict[Path, str],
    associations: int,
    fault: Callable[[], str] | None = None,
) -> Burst:
    """Send ``studies``' files over ``associations`` parallel storescu runs (resending what
    was not acknowledged), ``fault`` once half are acknowledged; wait for every SR."""
    paths = list(studies)
    result = Burst(len(paths))
    lock = threading.Lock()
    half = threading.Event()

    def on_ack(path: Path) -> None:
        with lock:
            if len(result.acked) + 1 >= len(paths) // 2:
                half.set()

    def modality(chunk: list[Path]) -> None:
        remaining, tries = chunk, 0
        while remaining and tries < 60:
            sent, acked = store_timed(
                node.listener_port, "PNEUMOSCAN", remaining, on_ack, result.errors
            )
            with lock:
                for path, at in sent.items():
                    result.first_sent.setdefault(path, at)
                result.acked.update(acked)
                if tries:
                    result.resent += len(sent)
            remaining = [p for p in remaining if p not in acked]
            tries += 1
            if remaining:
                time.sleep(1)

    watcher = ReportWatcher(node)
    watcher.start()
    started = time.monotonic()
    faulting = None
    if fault:

        def fault_at_half() -> None:
            half.wait()
            result.fault_note = fault()

        faulting = threading.Thread(target=fault_at_half, daemon=True)
        faulting.start()
    with ThreadPoolExecutor(associations) as pool:
        list(pool.map(modality, [paths[i::associations] for i in range(associations)]))
    if faulting:
        faulting.join()
    wanted = {studies[p] for p in paths}
    deadline = time.monotonic() + 120 + 3 * len(paths)
    while time.monotonic() < deadline and not wanted <= set(watcher.reports):
        time.sleep(0.5)
    seen = -1
    while seen != len(watcher.captures) and time.monotonic() < deadline:
        seen = len(watcher.captures)  # the captures follow their SRs: until none comes
        time.sleep(3)  # a late second SR, if any, would show by now too
    watcher.stop.set()
    watcher.join()
    appeared = [min(watcher.reports[s]) for s in wanted if s in watcher.reports]
    result.seconds = (max(appeared) - started) if appeared else float("nan")
    result.latencies = [
        min(watcher.reports[studies[p]]) - result.first_sent[p]
        for p in paths
        if studies[p] in watcher.reports and p in result.first_sent
    ]
    result.capture_latencies = [
        min(watcher.captures[studies[p]]) - result.first_sent[p]
        for p in paths
        if studies[p] in watcher.captures and p in result.first_sent
    ]
    captured = [min(watcher.captures[s]) for s in wanted if s in watcher.captures]
    result.capture_seconds = (max(captured) - started) if captured else float("nan")
    result.missing = sum(studies[p] not in watcher.reports for p in result.acked)
    result.twice = sum(len(watcher.reports.get(s, ())) > 1 for s in wanted)
    result.with_report = sum(s in watcher.reports for s in wanted)
    result.reports_total = sum(len(watcher.reports.get(s, ())) for s in wanted)
    deadline = time.monotonic() + 60
    while True:  # the worker records "sent" just after Orthanc answered
        result.stats = node.stats()
        if not result.stats["deliveries"].get("queued") or time.monotonic() > deadline:
            break
        time.sleep(1)
    return result


def burst_rows(result: Burst, warm_ups: int) -> dict[str, object]:
    stats = result.stats
    lat = result.latencies
    nan = float("nan")
    received = stats["received"] - warm_ups
    return {
        "instances sent": result.count,
        "acknowledged (Success)": len(result.acked),
        "sent again (not acknowledged: failed or unanswered)": result.resent,
        "storescu errors (first words: times)": (
            "; ".join(f"{k}: {v}" for k, v in result.errors.most_common(4)) or "none"
        ),
        "in the history (received instances)": received,
        "times received in all (resends recognised)": stats["times_received"] - warm_ups,
        "scans": stats["scans"] - warm_ups,
        "outcomes": ", ".join(f"{k} {v}" for k, v in sorted(stats["outcomes"].items())),
        "sources with their SR in Orthanc": result.with_report,
        "our SRs in Orthanc": result.reports_total,
        "lost (acknowledged, no SR in Orthanc)": result.missing,
        "duplicated (two SRs, or two scans or deliveries, for one instance)": (
            result.twice + stats["scans_twice"] + stats["twice_queued"]
        ),
        "deliveries by state": ", ".join(
            f"{k} {v}" for k, v in sorted(stats["deliveries"].items())
        ),
        "delivery attempts (attempts: deliveries)": ", ".join(
            f"{k}: {v}" for k, v in sorted(stats["attempts"].items(), key=lambda kv: int(kv[0]))
        ),
        "C-STORE to SR in Orthanc p50 s": statistics.median(lat) if lat else float("nan"),
        "C-STORE to SR in Orthanc p95 s": load.percentile(lat, 0.95) if lat else float("nan"),
        "first C-STORE to last acknowledgement s": max(result.acked.values(), default=0)
        - min(result.first_sent.values(), default=0),
        "acknowledged instances/s (the listener alone)": len(result.acked)
        / max(
            1e-9, max(result.acked.values(), default=0) - min(result.first_sent.values(), default=0)
        ),
        "first C-STORE to last SR s": result.seconds,
        "C-STORE to heatmap capture in Orthanc p50 s": (
            statistics.median(result.capture_latencies) if result.capture_latencies else nan
        ),
        "C-STORE to heatmap capture in Orthanc p95 s": (
            load.percentile(result.capture_latencies, 0.95) if result.capture_latencies else nan
        ),
        "first C-STORE to last capture s": result.capture_seconds,
        "throughput, instances/s (C-STORE to SR in Orthanc)": result.count / result.seconds,
        **({"fault": result.fault_note} if result.fault_note else {}),
    }


def scenario(
    name: str,
    model_dir: Path,
    studies: dict[Path, str],
    warm: dict[Path, str],
    associations: int,
    backoff: float,
    fault_of: Callable[[Node], Callable[[], str]] | None = None,
) -> Burst:
    with running_node(model_dir, backoff) as node:
        to_orthanc(node, list(warm) + list(studies))
        burst(node, warm, 1)  # both processes load the model before anything is measured
        result = burst(node, studies, associations, fault_of(node) if fault_of else None)
        table(name, burst_rows(result, len(warm)))
        return result


def orthanc_outage(pause: float) -> Callable[[Node], Callable[[], str]]:
    def make(node: Node) -> Callable[[], str]:
        def fault() -> str:
            node.stop_orthanc()
            time.sleep(pause)
            node.start_orthanc()
            return f"Orthanc stopped at half the acknowledgements, restarted {pause:.0f} s later"

        return fault

    return make


def listener_kill(node: Node) -> Callable[[], str]:
    def fault() -> str:
        node.kill_listener()
        started = time.monotonic()
        node.start_listener()
        return (
            "listener SIGKILLed at half the acknowledgements, restarted "
            f"({time.monotonic() - started:.1f} s to listen again)"
        )

    return fault


# --- the batch upload API, for comparison ------------------------------------------------


def api_batch_throughput(
    model_dir: Path, images: list[tuple[str, bytes]], clients: int, content_type: str
) -> dict:
    """The same files through POST /api/scans/batch/ (32 a request), ``clients`` at once,
    and then one a POST /api/scans/."""
    batches = [images[i : i + BATCH_FILES] for i in range(0, len(images), BATCH_FILES)]
    with load.running_server(load.DEFAULT_WORKERS, model_dir) as server:
        tokens = list(load.create_users(server, clients).values())
        load.warm_up(server)

        def post(index: int) -> load.Call:
            body, boundary = load.multipart_files("images", batches[index], content_type)
            return load.call(
                server.base + "/api/scans/batch/?reanalyse=1",
                token=tokens[index % clients],
                data=body,
                headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
            )

        post(0)  # warm: every worker's first batch forward pass
        started = time.perf_counter()
        with ThreadPoolExecutor(clients) as pool:
            calls = list(pool.map(post, range(len(batches))))
        seconds = time.perf_counter() - started

        def one(index: int) -> load.Call:
            name, jpeg = images[index]
            return load.upload(server, tokens[index % clients], jpeg, name, content_type)

        started = time.perf_counter()
        with ThreadPoolExecutor(clients) as pool:
            singles = list(pool.map(one, range(len(images))))
        single_seconds = time.perf_counter() - started
    stored = sum(len(c.body.get("scans", [])) for c in calls if isinstance(c.body, dict))
    return {
        "seconds": seconds,
        "stored": stored,
        "statuses": Counter(c.status for c in calls),
        "single/s": sum(c.status == 201 for c in singles) / single_seconds,
        "single statuses": Counter(c.status for c in singles),
    }


def api_table(label: str, api: dict, count: int) -> None:
    table(
        f"Batch upload API, {load.DEFAULT_WORKERS} gunicorn workers, the same {count} images "
        f"as {label} ({BATCH_FILES} a request)",
        {
            f"{c} client(s): scans stored / statuses": (f"{r['stored']} / {dict(r['statuses'])}")
            for c, r in api.items()
        }
        | {f"{c} client(s): images/s": r["stored"] / r["seconds"] for c, r in api.items()}
        | {
            f"{c} client(s), one image a POST /api/scans/: images/s (statuses)": (
                f"{r['single/s']:.1f} ({dict(r['single statuses'])})"
            )
            for c, r in api.items()
        },
    )


def pacs_ceiling(paths: list[Path], associations: int) -> float:
    """Objects/s a fresh Orthanc here stores from storescu over ``associations``: what the
    PACS itself takes, before any of ours (each result is two objects and a C-FIND)."""
    with tempfile.TemporaryDirectory(prefix="pneumo-pacs-ceiling-") as name:
        http, dicom = load.free_port(), load.free_port()
        orthanc = start_orthanc(Path(name), http, dicom, load.free_port())
        try:
            chunks = [paths[i::associations] for i in range(associations)]
            started = time.monotonic()
            with ThreadPoolExecutor(associations) as pool:
                acked = sum(
                    len(a)
                    for _, a in pool.map(lambda chunk: store_timed(dicom, "ORTHANC", chunk), chunks)
                )
            return acked / (time.monotonic() - started)
        finally:
            stop_orthanc(orthanc)


# --- main --------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="instances in each burst")
    parser.add_argument("--pause", type=float, default=30.0, help="seconds Orthanc is down")
    parser.add_argument("--backoff", type=int, default=2, help="first retry wait, seconds")
    parser.add_argument("--quick", action="store_true", help="20 instances, a 10 s outage")
    parser.add_argument("--model", type=Path, default=ROOT / "mlcore" / "shipped_model")
    args = parser.parse_args(argv)
    if args.quick:
        args.count, args.pause = 20, 10.0
    if STORESCU is None or not Path("/usr/sbin/Orthanc").exists():
        print("needs Debian's orthanc and dcmtk (apt-get install orthanc orthanc-dicomweb dcmtk)")
        return 2
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; `python -m bench.pacs --count {args.count} "
        f"--pause {args.pause:.0f} --backoff {args.backoff:g}`"
    )
    images, origin = source_images(args.count + 1)
    with tempfile.TemporaryDirectory(prefix="pneumo-pacs-files-") as name:
        studies = write_instances(Path(name) / "burst", images[1:])
        warm = write_instances(Path(name) / "warm", images[:1])
        print(f"Images: {origin}; {len(studies)} instances a burst.")
        dicoms = [(path.name, path.read_bytes()) for path in studies]
        api_rate, single_rate = {}, {}
        for label, files, kind in (
            ("JPEGs", images[1:], "image/jpeg"),
            ("DICOM CR instances (the burst's files)", dicoms, "application/dicom"),
        ):
            api = {c: api_batch_throughput(args.model, files, c, kind) for c in (1, 2)}
            api_rate[label] = max(r["stored"] / r["seconds"] for r in api.values())
            single_rate[label] = max(r["single/s"] for r in api.values())
            api_table(label, api, len(files))
        table(
            f"The PACS alone: storescu straight into Orthanc, the same {len(studies)} files",
            {f"{n} association(s): objects/s": pacs_ceiling(list(studies), n) for n in (1, 4)},
        )
        best_single = max(single_rate.values())
        runs = {
            "one association": scenario(
                f"DICOM burst, one association ({len(studies)} instances)",
                args.model,
                studies,
                warm,
                1,
                args.backoff,
            ),
            "4 associations": scenario(
                f"DICOM burst, 4 associations in parallel ({len(studies)} instances)",
                args.model,
                studies,
                warm,
                4,
                args.backoff,
            ),
            "Orthanc down": scenario(
                f"DICOM burst, 4 associations, Orthanc stopped {args.pause:.0f} s mid-burst",
                args.model,
                studies,
                warm,
                4,
                args.backoff,
                orthanc_outage(args.pause),
            ),
            "listener killed": scenario(
                "DICOM burst, 4 associations, the listener SIGKILLed mid-burst and restarted",
                args.model,
                studies,
                warm,
                4,
                args.backoff,
                listener_kill,
            ),
        }
    rows: dict[str, object] = {}
    for name, run in runs.items():
        rate = run.count / run.seconds
        acked_rate = len(run.acked) / max(
            1e-9, max(run.acked.values(), default=0) - min(run.first_sent.values(), default=0)
        )
        rows[f"{name}: instances/s to the SR (acknowledged/s)"] = f"{rate:.1f} ({acked_rate:.1f})"
        for label, api in api_rate.items():
            rows[f"{name}: / batch API on {label} (target >= 0.8), acknowledged/s / it"] = (
                f"{rate / api:.2f}, {acked_rate / api:.2f}"
            )
        rows[f"{name}: lost / duplicated"] = (
            f"{run.missing} / {run.twice + run.stats['scans_twice'] + run.stats['twice_queued']}"
        )
    table(
        "Summary (batch API: "
        + ", ".join(f"{label} {rate:.1f} images/s" for label, rate in api_rate.items())
        + f"; one image a request, best: {best_single:.1f} images/s)",
        rows,
    )
    bad = any(
        r.missing or r.twice or r.stats["scans_twice"] or r.stats["twice_queued"]
        for r in runs.values()
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
