"""The sandbox: each call runs in a child of its own, started ahead of time."""

from __future__ import annotations

import os
import time

from mlcore.decode import sandbox
from mlcore.decode.sandbox import run_limited

LIMITS = {"memory_bytes": 64 * 1024 * 1024, "seconds": 10}
_touched = False


def _touch() -> tuple[int, bool]:
    """What a hostile decode could do to its process: change its state."""
    global _touched
    before, _touched = _touched, True
    return os.getpid(), before


def test_each_call_runs_in_a_fresh_child():
    first_pid, _ = run_limited(_touch, **LIMITS)
    second_pid, touched_before = run_limited(_touch, **LIMITS)

    assert len({first_pid, second_pid, os.getpid()}) == 3
    assert touched_before is False  # the first call's change died with its child


def test_children_wait_ready_for_the_next_calls():
    run_limited(os.getpid, **LIMITS)
    deadline = time.monotonic() + 10
    while len(sandbox._spares) < sandbox.SPARES and time.monotonic() < deadline:
        time.sleep(0.05)

    assert len(sandbox._spares) == sandbox.SPARES
    assert all(spare.process.is_alive() for spare in sandbox._spares)
    waiting = {spare.process.pid for spare in sandbox._spares}
    assert run_limited(os.getpid, **LIMITS) in waiting  # the call took one of them
