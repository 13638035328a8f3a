"""Pages that only read must not pay TensorFlow's 2.8 s import and 530 MB."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mlcore.testing import xray_png

ROOT = Path(__file__).resolve().parents[3]

SCRIPT = textwrap.dedent(
    """
    import json, sys
    import django
    django.setup()
    from django.core.files.base import ContentFile
    from django.core.management import call_command
    from django.contrib.auth import get_user_model
    from django.test import Client
    from diagnosis.models import Scan

    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_user("reader", password="pw-reader-1")
    scan = Scan(owner=user, original_filename="x.png", image_width=96, image_height=96,
                predicted_class="normal", pneumonia_probability=0.1, threshold=0.5,
                model_version="v", inference_ms=1.0, review_finding="normal")
    png = open(sys.argv[1], "rb").read()
    scan.image.save("scans/r_image.png", ContentFile(png), save=False)
    scan.thumbnail.save("scans/r_thumbnail.png", ContentFile(png), save=False)
    scan.save()
    client = Client()
    client.force_login(user)
    codes = [client.get(url).status_code for url in (
        "/", "/scans/", f"/scans/{scan.pk}/", f"/scans/{scan.pk}/thumbnail",
        "/api/scans/", f"/api/scans/{scan.pk}/", "/healthcheck",
        "/model/site/", "/api/model/site/", "/scans/?review=disagree",
    )]
    loaded = sorted(m for m in ("tensorflow", "keras") if m in sys.modules)
    print(json.dumps({"codes": codes, "loaded": loaded}))
    """
)


@pytest.mark.slow
def test_read_only_pages_never_import_tensorflow(tmp_path, tiny_model_dir):
    image = tmp_path / "x.png"
    image.write_bytes(xray_png())
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "pneumosite.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PNEUMO_MEDIA_ROOT": str(tmp_path / "media"),
        "PNEUMO_MODEL_DIR": str(tiny_model_dir),
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(image)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )

    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["codes"] == [200] * 10
    assert report["loaded"] == []
