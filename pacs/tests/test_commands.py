"""Both hospital-side commands refuse to start on a wrong setting, with one line."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError


@pytest.mark.parametrize(
    ("setting", "value", "words"),
    [
        ("PNEUMO_INTEGRATION_KEY", "", "PNEUMO_INTEGRATION_KEY is not set"),
        ("PNEUMO_INTEGRATION_KEY", "not-a-key", "not a Fernet key"),
        ("PNEUMO_DICOM_DESTINATION", "ORTHANC:4242", "AE@host:port"),
        ("PNEUMO_DICOMWEB_DESTINATION", "ftp://pacs", "http(s) URL"),
        ("PNEUMO_DICOM_OWNER", "", "PNEUMO_DICOM_OWNER is not set"),
        ("PNEUMO_DICOM_OWNER", "nobody", "names no user"),
        ("PNEUMO_DICOM_PORT", 70000, "must be a port"),
        ("PNEUMO_DICOM_AE_TITLE", "A" * 17, "1 to 16 characters"),
    ],
)
def test_the_listener_says_what_to_fix(integration, setting, value, words):
    setattr(integration, setting, value)

    with pytest.raises(CommandError, match=re.escape(words)):
        call_command("dicom_listener")


def test_a_port_in_use_is_one_line(integration):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        integration.PNEUMO_DICOM_PORT = taken.getsockname()[1]

        with pytest.raises(CommandError, match=re.escape("Cannot listen on 127.0.0.1")):
            call_command("dicom_listener")


def test_the_worker_checks_the_key_too(integration):
    integration.PNEUMO_INTEGRATION_KEY = "short"

    with pytest.raises(CommandError, match="not a Fernet key"):
        call_command("dicom_worker", batch=True)


def test_from_the_shell_it_is_a_non_zero_exit_and_one_line():
    env = {**os.environ, "PNEUMO_INTEGRATION_KEY": "", "DJANGO_DEBUG": "1"}
    run = subprocess.run(
        [sys.executable, "manage.py", "dicom_worker", "--batch"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )

    assert run.returncode != 0
    assert run.stderr.strip().count("\n") == 0, run.stderr
    assert "PNEUMO_INTEGRATION_KEY is not set" in run.stderr
