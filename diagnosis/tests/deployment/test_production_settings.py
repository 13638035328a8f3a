"""Production mode: refuses to start half-configured, passes `check --deploy`, sends headers."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PRODUCTION_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "k" * 20 + "-production-secret-for-the-check-0123456789-abcdefgh",
    "DJANGO_ALLOWED_HOSTS": "xray.example.org",
    "DJANGO_SECURE": "1",
    "DJANGO_BEHIND_PROXY": "1",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, "PNEUMO_VAR_DIR": os.environ.get("TMPDIR", "/tmp") + "/pneumo-check", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("DJANGO_SECRET_KEY", "Set DJANGO_SECRET_KEY"),
        ("DJANGO_ALLOWED_HOSTS", "Set DJANGO_ALLOWED_HOSTS"),
    ],
)
def test_production_refuses_to_start_half_configured(missing, message):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = manage("check", **env)

    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_a_local_install_runs_commands_with_the_key_make_run_wrote(tmp_path):
    (tmp_path / "secret_key").write_text("local-" + "s" * 50 + "\n")

    result = manage("check", PNEUMO_VAR_DIR=str(tmp_path))

    assert result.returncode == 0, result.stderr


@pytest.mark.slow
def test_check_deploy_passes_with_the_documented_environment():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV)

    assert result.returncode == 0, result.stderr + result.stdout


def test_pages_send_security_headers(alice_client):
    response = alice_client.get("/")

    policy = response["Content-Security-Policy"]
    script_src = next(part for part in policy.split(";") if "script-src" in part)
    assert "'unsafe-inline'" not in script_src
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_pages_have_no_inline_scripts(alice_client, alice, make_scan):
    scan = make_scan(alice)
    for url in ("/", "/scans/", scan.get_absolute_url(), "/model/", "/api/docs/"):
        text = alice_client.get(url).content.decode()
        assert "<script>" not in text, url
        assert "onclick=" not in text, url
