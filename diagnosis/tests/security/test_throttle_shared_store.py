"""Throttle counters live in one store that every worker process shares: the database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from rest_framework.test import APIClient

from pneumosite.settings import throttle_cache

ROOT = Path(__file__).resolve().parents[3]
TWO_GUESSES = """
from django.test import Client
client = Client()
print([client.post("/api/auth/token/", {"username": f"nobody{i}"}).status_code for i in (1, 2)])
"""


def test_the_default_store_is_the_database(db):
    assert isinstance(caches["throttle"], DatabaseCache)

    APIClient().post(reverse("api:auth-token"), {"username": "nobody"})

    assert caches["throttle"].get("throttle_token_127.0.0.1")  # the address's history


def manage(*args: str, env: dict) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


@pytest.mark.slow
def test_two_processes_share_one_count(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}  # a SQLite file
    env.update(PNEUMO_VAR_DIR=str(tmp_path), PNEUMO_THROTTLE_TOKEN="3/minute")
    manage("migrate", "--noinput", env=env)  # creates the cache table too

    first = manage("shell", "-v", "0", "-c", TWO_GUESSES, env=env)
    second = manage("shell", "-v", "0", "-c", TWO_GUESSES, env=env)  # another worker, same client

    assert (first, second) == ("[400, 400]", "[400, 429]")


def test_other_stores_from_the_environment():
    assert throttle_cache("memory")["BACKEND"].endswith("LocMemCache")
    redis = throttle_cache("redis://cache:6379/1")
    assert (redis["BACKEND"], redis["LOCATION"]) == (
        "django.core.cache.backends.redis.RedisCache",
        "redis://cache:6379/1",
    )
    with pytest.raises(ImproperlyConfigured, match="PNEUMO_THROTTLE_CACHE"):
        throttle_cache("memcached")
