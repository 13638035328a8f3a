"""Run a decoder in a child process with a memory and a time limit.

The checks before decoding bound what the codestreams declare; a library can still do what
no check sees (pydicom's RLE decoder grows its output as it goes, a corrupt stream can send
a decoder into a long loop). A child process bounds both: its address space is limited with
``resource.setrlimit`` and the parent kills it past the time limit, so the worst a hostile
file does is lose its own child. Children fork from a small server process started once
per worker (multiprocessing's forkserver, which never holds TensorFlow), with the decoders
already imported, and a couple are kept started and waiting, so that a call does not wait
for a fork (what a call costs: python -m bench, its DICOM rows). Each child runs one call:
what a hostile file did to it ends with it.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from mlcore.errors import MlcoreError

PRELOADED = ["mlcore.decode.dicom", "pydicom", "pydicom.pixels", "PIL.Image", "numpy"]
# Children started ahead of time, each waiting for one call: a call then waits for the
# decode, not for a fork and a child's start (python -m bench, its DICOM rows).
SPARES = 2
_context_lock = threading.Lock()
_context: Any = None
_spares: list[_Spare] = []
_spares_pid = 0
_starter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sandbox-spares")


class SandboxLimit(MlcoreError):
    """The child ran out of memory or time; ``kind`` is "memory" or "time"."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def _forkserver() -> Any:
    global _context
    with _context_lock:
        if _context is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(PRELOADED)
            _context = context
        return _context


class _Spare:
    """A child forked from the server, waiting on a pipe for its one call."""

    def __init__(self, context: Any) -> None:
        jobs_in, self.jobs = context.Pipe(duplex=False)
        self.results, results_out = context.Pipe(duplex=False)
        self.process = context.Process(target=_child, args=(jobs_in, results_out), daemon=True)
        self.process.start()
        jobs_in.close()
        results_out.close()

    def close(self) -> None:
        self.jobs.close()
        self.results.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join()


def _start_spare() -> None:
    spare = _Spare(_forkserver())
    with _context_lock:
        if _spares_pid == os.getpid() and len(_spares) < SPARES:
            _spares.append(spare)
            return
    spare.close()


def _take_spare() -> _Spare:
    """A waiting child (a new one when none is ready), and another started in its place."""
    global _spares_pid
    with _context_lock:
        if _spares_pid != os.getpid():  # a forked copy of this process: not its children
            _spares.clear()
            _spares_pid = os.getpid()
        spare = _spares.pop() if _spares else None
        missing = SPARES - len(_spares)
    for _ in range(missing):
        _starter.submit(_start_spare)
    if spare is None or not spare.process.is_alive():
        return _Spare(_forkserver())
    return spare


def run_limited(function: Callable[..., Any], *args: Any, memory_bytes: int, seconds: float) -> Any:
    """``function(*args)`` in a child limited to ``memory_bytes`` more memory and ``seconds``.

    Returns what it returns, re-raises what it raises (exceptions must pickle), and raises
    :class:`SandboxLimit` when a limit is hit. Each child runs one call, then exits.
    """
    child = _take_spare()
    try:
        child.jobs.send((function, args, memory_bytes, seconds))
        if not child.results.poll(seconds):
            raise SandboxLimit("time")
        try:
            outcome, value = child.results.recv()
        except EOFError:  # killed without a word: the kernel's answer to the memory limit
            raise SandboxLimit("memory") from None
    finally:
        child.close()
    if outcome == "memory":
        raise SandboxLimit("memory")
    if outcome == "error":
        raise value
    return value


def _child(jobs, sender) -> None:
    try:
        function, args, memory_bytes, seconds = jobs.recv()
    except EOFError:  # the parent went away without a call for it
        return
    used = _address_space_bytes()
    resource.setrlimit(resource.RLIMIT_AS, (used + memory_bytes, used + memory_bytes))
    # The CPU time this child spent waiting for its call counts too: next to nothing.
    cpu = int(seconds) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    try:
        sender.send(("ok", function(*args)))
    except MemoryError:
        sender.send(("memory", None))
    except Exception as exc:  # handed to the parent to re-raise
        sender.send(("error", exc))
    finally:
        sender.close()


def _address_space_bytes() -> int:
    with open(f"/proc/{os.getpid()}/statm") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
