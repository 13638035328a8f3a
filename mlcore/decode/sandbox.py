"""Run a decoder in a child process with a memory and a time limit.

The checks before decoding bound what the codestreams declare; a library can still do what
no check sees (pydicom's RLE decoder grows its output as it goes, a corrupt stream can send
a decoder into a long loop). A child process bounds both: its address space is limited with
``resource.setrlimit`` and the parent kills it past the time limit, so the worst a hostile
file does is lose its own child. Children fork from a small server process started once
per worker (multiprocessing's forkserver, which never holds TensorFlow), with the decoders
already imported (what a call costs: python -m bench, its DICOM rows).
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import threading
from collections.abc import Callable
from typing import Any

from mlcore.errors import MlcoreError

PRELOADED = ["mlcore.decode.dicom", "pydicom", "pydicom.pixels", "PIL.Image", "numpy"]
_context_lock = threading.Lock()
_context: Any = None


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


def run_limited(function: Callable[..., Any], *args: Any, memory_bytes: int, seconds: float) -> Any:
    """``function(*args)`` in a child limited to ``memory_bytes`` more memory and ``seconds``.

    Returns what it returns, re-raises what it raises (exceptions must pickle), and raises
    :class:`SandboxLimit` when a limit is hit.
    """
    context = _forkserver()
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_child, args=(sender, function, args, memory_bytes, seconds), daemon=True
    )
    child.start()
    sender.close()
    try:
        if not receiver.poll(seconds):
            raise SandboxLimit("time")
        try:
            outcome, value = receiver.recv()
        except EOFError:  # killed without a word: the kernel's answer to the memory limit
            raise SandboxLimit("memory") from None
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join()
    if outcome == "memory":
        raise SandboxLimit("memory")
    if outcome == "error":
        raise value
    return value


def _child(sender, function, args, memory_bytes: int, seconds: float) -> None:
    used = _address_space_bytes()
    resource.setrlimit(resource.RLIMIT_AS, (used + memory_bytes, used + memory_bytes))
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
