"""`python -m bench.hostile`: large valid images and hostile files against one worker.

One gunicorn worker (4 threads) loads the model, then receives, one request at a time,
the largest valid images the limits admit (40-megapixel 16-bit PNG, RLE DICOM and JPEG,
a batch of 32 40-megapixel PNGs) and files built to exhaust a decoder (a deflated DICOM
inflating to 1 GiB, JPEG 2000 and JPEG frames claiming 13000x13000, 50 JPEG 2000 frames
of 6000x6000, progressive JPEGs of 2,000 and 7,000 scans). It prints, for each, the status,
the seconds and the worker's memory, and the worker's growth over the loaded model.
Targets: no 5xx, no request over 15 s, growth within 1 GiB (BENCHMARKS.md).
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from bench import load
from bench.report import table

ROOT = Path(__file__).resolve().parents[1]
SIDE = (6000, 6600)  # 39.6 megapixels, under the 40-megapixel limit


def radiograph(bits: int = 16) -> np.ndarray:
    """A large, smooth radiograph-like frame (compresses as real ones do)."""
    rows, columns = SIDE
    y, x = np.ogrid[0:rows, 0:columns]
    lungs = ((x / columns - 0.32) ** 2 / 0.025 + (y / rows - 0.5) ** 2 / 0.1) < 1
    top = 2**bits - 1
    return np.where(lungs, 0.25 * top, 0.75 * top).astype(np.uint16 if bits > 8 else np.uint8)


def encoded(pixels: np.ndarray, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, fmt, **options)
    return buffer.getvalue()


def battery() -> dict[str, Callable[[], bytes | list[bytes]]]:
    from pydicom.uid import RLELossless

    from mlcore.tests import hostile_files as hostile
    from mlcore.tests.dicom_files import dicom_bytes

    return {
        "valid: 40 MP 16-bit PNG": lambda: encoded(radiograph(), "PNG"),
        "valid: 40 MP 8-bit JPEG": lambda: encoded(radiograph(8), "JPEG", quality=90),
        "valid: 40 MP 16-bit RLE DICOM": lambda: dicom_bytes(
            radiograph(), bits=16, compress=RLELossless
        ),
        "valid: batch of 32 x 40 MP 16-bit PNG": lambda: [encoded(radiograph(), "PNG")] * 32,
        "hostile: deflated DICOM inflating to 1 GiB": lambda: hostile.deflate_bomb(2**30),
        "hostile: JPEG 2000 frame claiming 13000x13000": hostile.j2k_size_lie,
        "hostile: JPEG frame claiming 13000x13000": hostile.jpeg_size_lie,
        "hostile: 50 JPEG 2000 frames of 6000x6000": hostile.many_large_j2k_frames,
        "hostile: progressive JPEG, 2,000 scans": lambda: hostile.progressive_jpeg_with_scans(2000),
        "hostile: progressive JPEG, 7,000 scans": lambda: hostile.progressive_jpeg_with_scans(7000),
    }


def send(server: load.Server, token: str, content: bytes | list[bytes]) -> load.Call:
    if isinstance(content, bytes):
        return load.upload(server, token, content, "battery.bin")
    body, boundary = load.multipart_files(
        "images", [(f"{i}.png", data) for i, data in enumerate(content)], "image/png"
    )
    return load.call(
        server.base + "/api/scans/batch/?reanalyse=1",  # identical files: decode each
        token=token,
        data=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )


def run(model_dir: Path, database_url: str | None = None) -> dict[str, object]:
    """Rows of BENCHMARKS.md's table: each file's status, seconds and worker memory."""
    rows: dict[str, object] = {}
    with load.running_server(1, model_dir, database_url) as server:
        token = next(iter(load.create_users(server, 1).values()))
        load.warm_up(server)
        loaded = server.worker_rss_mb()[0]
        rows["worker RSS with the model loaded MB"] = loaded
        slowest, worst_status = 0.0, 0
        for name, make in battery().items():
            result = send(server, token, make())
            rss = server.worker_rss_mb()[0]
            rows[f"{name}: status / s / worker MB"] = (
                f"{result.status} / {result.seconds:.1f} / {rss:.0f}"
            )
            slowest, worst_status = max(slowest, result.seconds), max(worst_status, result.status)
        rows["slowest request s (target <= 15)"] = slowest
        rows["worst status (target < 500)"] = worst_status
        rows["worker growth over the loaded model MB (target <= 1024)"] = (
            server.worker_rss_mb()[0] - loaded
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "mlcore" / "shipped_model")
    parser.add_argument("--database-url")
    args = parser.parse_args(argv)
    table("Large valid images and hostile files, one worker", run(args.model, args.database_url))
    return 0


if __name__ == "__main__":
    sys.exit(main())
