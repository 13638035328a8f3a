"""Where an upload's time goes beside the model (BENCHMARKS.md).

`python -m bench.upload_costs [--pairs 40]`: the site in this process (a throwaway SQLite
database and media folder, the installed model, Django's test client, so no HTTP), one
user uploading the benchmark JPEG with ``?reanalyse=1``. Each part is measured by switching
it off in every other upload and comparing the medians, since this machine's speed drifts
between runs: the stored copies (written as 8x8 pictures instead), the scan's JSON (only
its id), the two throttle counters, and the page middleware (3 middlewares instead of all).
Also the model-only time of the same image, and how much a busy thread on the other core
slows TensorFlow's forward pass. Not a way to run the site: every switch is a measurement.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import secrets
import statistics
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from unittest import mock

from bench.images import full_size_xray_jpeg
from bench.model_bench import median_ms, model_input, model_only_upload

LEAN_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "diagnosis.middleware.ApplicationErrorMiddleware",
]


def start_site(folder: str) -> None:
    """Django configured as the default deployment, on ``folder``; tables created."""
    os.environ.update(
        DJANGO_SECRET_KEY=secrets.token_urlsafe(40),
        DJANGO_ALLOWED_HOSTS="testserver",
        DJANGO_DEBUG="0",
        DJANGO_SECURE="0",
        DJANGO_SSL_REDIRECT="0",
        PNEUMO_VAR_DIR=folder,
        PNEUMO_MEDIA_ROOT=f"{folder}/media",
        PNEUMO_THROTTLE_USER="1000000/minute",
        PNEUMO_THROTTLE_UPLOADS="1000000/minute",
        PNEUMO_TF_THREADS="1",  # as each of the default deployment's 2 workers on 2 cores
        DJANGO_SETTINGS_MODULE="pneumosite.settings",
        DJANGO_LOG_LEVEL="WARNING",
    )
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def uploader(image: bytes, middleware: list[str] | None = None) -> Callable[[], None]:
    """One upload of ``image`` by the bench user, through a client of its own."""
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client, override_settings
    from rest_framework.authtoken.models import Token

    user, _ = get_user_model().objects.get_or_create(username="bench")
    token, _ = Token.objects.get_or_create(user=user)
    client = Client(HTTP_AUTHORIZATION=f"Token {token.key}")

    def upload() -> None:
        picture = SimpleUploadedFile("bench.jpg", image, "image/jpeg")
        response = client.post("/api/scans/?reanalyse=1", {"image": picture})
        if response.status_code != 201:
            raise SystemExit(f"upload answered {response.status_code}: {response.content!r}")

    settings = override_settings(MIDDLEWARE=middleware) if middleware else nullcontext()
    with settings:  # the client's handler reads the middleware on its first request
        upload()
    return upload


@contextmanager
def tiny_copies() -> Iterator[None]:
    from PIL import Image

    from diagnosis.services import uploads

    write = uploads._write_copies
    with mock.patch.object(uploads, "_write_copies", lambda _: write(Image.new("L", (8, 8)))):
        yield


@contextmanager
def id_only_json() -> Iterator[None]:
    from diagnosis.api import views

    class IdOnly:
        def __init__(self, scan, **_) -> None:
            self.data = {"id": scan.pk}

    with mock.patch.object(views, "ScanSerializer", IdOnly):
        yield


@contextmanager
def no_throttles() -> Iterator[None]:
    from diagnosis.api.views import ScanViewSet

    with mock.patch.object(ScanViewSet, "get_throttles", lambda self: []):
        yield


def side_by_side(
    full: Callable[[], None], switched: Callable[[], AbstractContextManager], variant, pairs: int
) -> tuple[float, float]:
    """Median ms of ``full`` and of ``variant`` under ``switched()``, in alternate calls."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(pairs):
        times[0].append(median_ms(full, 1))
        with switched():
            times[1].append(median_ms(variant, 1))
    return statistics.median(times[0]), statistics.median(times[1])


def forward_beside_busy_thread(forward: Callable[[], object], repeats: int) -> tuple[float, float]:
    """The forward pass alone, and with another thread hashing on the other core (ms)."""
    alone = median_ms(forward, repeats)
    stop = threading.Event()
    block = os.urandom(1 << 20)

    def busy() -> None:
        while not stop.is_set():
            hashlib.sha256(block).digest()

    worker = threading.Thread(target=busy)
    worker.start()
    try:
        beside = median_ms(forward, repeats)
    finally:
        stop.set()
        worker.join()
    return alone, beside


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=40)
    args = parser.parse_args(argv)
    image = full_size_xray_jpeg()
    with tempfile.TemporaryDirectory(prefix="pneumo-costs-") as folder:
        start_site(folder)
        from diagnosis.active_model import current_predictor

        predictor = current_predictor()
        upload = uploader(image)
        lean = uploader(image, LEAN_MIDDLEWARE)
        for _ in range(5):
            upload()
        switches = {
            "stored copies (8x8 instead)": (tiny_copies, upload),
            "the scan's JSON (its id only)": (id_only_json, upload),
            "throttle counters (none)": (no_throttles, upload),
            "page middleware (3 instead of all)": (nullcontext, lean),
        }
        print("| switched off | upload ms | without it ms | difference ms |")
        print("| --- | --- | --- | --- |")
        for name, (switch, variant) in switches.items():
            full, without = side_by_side(upload, switch, variant, args.pairs)
            print(f"| {name} | {full:.1f} | {without:.1f} | {full - without:.1f} |")
        model_only = median_ms(model_only_upload(predictor, image), args.pairs)
        one = model_input(predictor, image)
        alone, beside = forward_beside_busy_thread(lambda: predictor.predict_arrays([one]), 60)
    print(f"\nmodel only, the same image: {model_only:.1f} ms")
    print(f"forward pass alone / beside a busy thread: {alone:.1f} / {beside:.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
