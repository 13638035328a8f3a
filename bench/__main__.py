"""`python -m bench` (or `make bench`): every figure of BENCHMARKS.md's performance section
(and the first uploads after a start, bench.cold_start; the audit trail's cost,
bench.audit_cost).

Medians over repeated runs, on whatever machine runs it. Needs an installed model
(mlcore/shipped_model, or --model DIR). Takes a few minutes.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

# Model-only figures run with one BLAS thread, as the web workers do (gunicorn.conf.py).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from bench import hostile, load, model_bench
from bench.images import full_size_xray_jpeg
from bench.report import table

ROOT = Path(__file__).resolve().parents[1]


def end_to_end(model_dir: Path, database_url: str | None) -> None:
    """One client against the default deployment (2 workers, gunicorn.conf.py's TensorFlow
    threads each: the model-only figures ran with as many)."""
    image = full_size_xray_jpeg()
    with load.running_server(load.DEFAULT_WORKERS, model_dir, database_url) as server:
        tokens = load.create_users(server, 1)
        user, token = next(iter(tokens.items()))
        reader = load.session_opener(server, user)
        first = load.upload(server, token, image, "first.jpg")
        cold = time.perf_counter() - server.started_at
        rss = server.worker_rss_mb()
        load.warm_up(server)
        for i in range(4 * load.DEFAULT_WORKERS):  # every worker's first forward passes
            load.upload(server, token, image, f"warm{i}.jpg")
        upload_ms, model_ms = uploads_beside_model_only(server, token, image, model_dir)
        history = [load.timed_get(reader, server.base + "/scans/") for _ in range(20)]
        history_ms = [c.seconds * 1000 for c in history]
        table(
            f"End to end, {load.DEFAULT_WORKERS} gunicorn workers (the default), one client "
            "(2000x1800 JPEG upload)",
            {
                "first upload status": first.status,
                "cold start: process start to first prediction s": cold,
                "worker RSS after first prediction MB": max(rss, default=float("nan")),
                "POST /api/scans/ p50 ms": statistics.median(upload_ms),
                "POST /api/scans/ p95 ms": load.percentile(upload_ms, 0.95),
                "model only, in blocks between the uploads, p50 ms": statistics.median(model_ms),
                "POST p50 / model-only p50 of the same blocks (target <= 1.5)": (
                    statistics.median(upload_ms) / statistics.median(model_ms)
                ),
                "GET /scans/ (history page) p50 ms": statistics.median(history_ms),
                "GET /scans/ (history page) p95 ms": load.percentile(history_ms, 0.95),
            },
        )
    rows: dict[str, object] = {}
    # Single-threaded workers show process scaling; 4 threads (the default) show what one
    # worker already gets out of the cores.
    for workers, threads in ((1, 1), (2, 1), (1, 4), (2, 4), (4, 4)):
        with load.running_server(workers, model_dir, database_url, threads) as server:
            tokens = load.create_users(server, 8)
            load.warm_up(server)
            result = load.run_load(server, tokens, 48, 8)
            summary = result.summary()
            name = f"{workers} worker(s) x {threads} thread(s)"
            rows[f"{name}: uploads/s"] = summary["uploads/s"]
            rows[f"{name}: upload p50 / p95 ms"] = (
                f"{summary['upload p50 ms']:.0f} / {summary['upload p95 ms']:.0f}"
            )
            rows[f"{name}: consistent"] = not result.problems
    table("Throughput at concurrency 8 (48 uploads, each followed by a list read)", rows)


def uploads_beside_model_only(
    server: load.Server, token: str, image: bytes, model_dir: Path, blocks: int = 4, size: int = 10
) -> tuple[list[float], list[float]]:
    """Upload times and model-only times of the same image (ms), measured in alternating
    blocks, so that both see the same state of a shared machine."""
    model_only = model_bench.model_only_upload(model_bench.worker_like_predictor(model_dir), image)
    upload_ms: list[float] = []
    model_ms: list[float] = []
    for block in range(blocks):
        model_ms += [model_bench.median_ms(model_only, 1) for _ in range(size)]
        for i in range(size):
            upload_ms.append(load.upload(server, token, image, f"u{block}-{i}.jpg").seconds * 1000)
    return upload_ms, model_ms


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "mlcore" / "shipped_model")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--skip-http", action="store_true", help="model figures only")
    args = parser.parse_args(argv)
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    model_figures = model_bench.run(args.model)
    table("Model only (one process, no web)", model_figures)
    if not args.skip_http:
        end_to_end(args.model, args.database_url)
        table(
            "Large valid images and hostile files, one worker",
            hostile.run(args.model, args.database_url),
        )
        # Each in a process of its own (the audit bench runs the site in-process).
        for bench in ("bench.cold_start", "bench.audit_cost"):
            subprocess.run([sys.executable, "-m", bench], cwd=ROOT, check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
