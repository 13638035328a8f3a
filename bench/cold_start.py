"""The first upload after a start (BENCHMARKS.md).

`python -m bench.cold_start`: the default deployment (gunicorn, 2 workers, the installed
model, a fresh SQLite database) started twice, with the warm start (PNEUMO_WARM_START=1,
the default) and without; each time: process start to ready (the readiness check, with the
warm start; the health check without), then the first two uploads of the benchmark JPEG,
their time and the `inference_ms` the scan records.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from bench import load
from bench.images import full_size_xray_jpeg
from bench.report import table

ROOT = Path(__file__).resolve().parents[1]


def ready_after(server: load.Server, url: str, timeout: float = 180) -> float:
    """Seconds from the process start until ``url`` answers 200."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if load.call(url).status == 200:
            return time.perf_counter() - server.started_at
        time.sleep(0.05)
    raise SystemExit(f"{url} was not ready in {timeout:g} s")


def first_uploads(model_dir: Path, warm: bool) -> dict[str, object]:
    os.environ["PNEUMO_WARM_START"] = "1" if warm else "0"
    image = full_size_xray_jpeg()
    with load.running_server(load.DEFAULT_WORKERS, model_dir) as server:
        token = next(iter(load.create_users(server, 1).values()))
        check = "/healthcheck?model=1" if warm else "/healthcheck"
        ready = ready_after(server, server.base + check)
        first, second = (load.upload(server, token, image, f"{i}.jpg") for i in range(2))
    name = "warm start" if warm else "no warm start"
    return {
        f"{name}: process start to ready s": ready,
        f"{name}: first upload ms (inference_ms recorded)": (
            f"{first.seconds * 1000:.0f} ({first.body['inference_ms']:.0f})"
        ),
        f"{name}: second upload ms (inference_ms recorded)": (
            f"{second.seconds * 1000:.0f} ({second.body['inference_ms']:.0f})"
        ),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "mlcore" / "shipped_model")
    args = parser.parse_args(argv)
    rows = {**first_uploads(args.model, warm=True), **first_uploads(args.model, warm=False)}
    table(f"The first uploads after a start ({os.cpu_count()} cores, 2 workers)", rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
