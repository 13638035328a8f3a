"""The delivery worker: django-tasks-db's worker loop in several threads of one process.

A delivery spends most of its time waiting on the PACS (the C-FIND of the source header,
the C-STOREs of the results), and each worker process loads the model for the heatmaps.
Threads let one delivery's wait overlap the others' with the model loaded once (its forward
passes take turns under the predictor's lock); a delivery is claimed for a lease before it
is sent, so no two threads, nor two processes, send one at once (python -m bench.pacs
measures what the threads gain).
"""

from __future__ import annotations

import logging
import signal
import sys
import threading

from django.db import connection, connections
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from pacs.tasks import CAPTURES, REPORTS

logger = logging.getLogger(__name__)


def _run(worker: Worker) -> None:
    try:
        worker.run()
    finally:
        connections.close_all()  # this thread's own


def usable_threads(threads: int) -> int:
    """``threads``, or 1 on an in-memory SQLite database (the tests'): threads share it in
    SQLite's shared-cache mode, which locks whole tables and never waits for them."""
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        return 1
    return max(1, threads)


def queues_of(threads: int) -> list[list[str]]:
    """The queues each thread takes from: half of them (at least one) take captures too,
    after any report; the others reports only, so that a report never waits for a thread
    busy with a heatmap."""
    capturing = max(1, threads // 2)
    return [[REPORTS, CAPTURES]] * capturing + [[REPORTS]] * (threads - capturing)


def run_workers(threads: int, *, interval: float, batch: bool) -> None:
    """``threads`` workers on the delivery queues until a signal (or, with ``batch``, until
    nothing is due). The first SIGTERM or SIGINT lets each finish what it is sending; a
    second ends the process at once."""
    name = get_random_string(24)
    workers = [
        Worker(
            queue_names=queues,
            interval=interval,
            batch=batch,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=f"{name}-{index}",
            excluded_queue_names=[],
        )
        for index, queues in enumerate(queues_of(usable_threads(threads)))
    ]

    def stop(signum, frame) -> None:
        if not workers[0].running:
            sys.exit(1)
        logger.warning("Stopping the delivery worker: finishing what is being sent")
        for worker in workers:
            worker.running = False

    main = threading.current_thread() is threading.main_thread()
    before = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)} if main else {}
    running = [threading.Thread(target=_run, args=(w,), daemon=True) for w in workers]
    try:
        for thread in running:
            thread.start()
        for thread in running:
            while thread.is_alive():
                thread.join(0.5)  # the main thread stays free to take the signals
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)
