"""Commands that speak to a person: at the default verbosity (1) a command prints its own
lines, mlcore's progress of long work, and warnings; not the app's log line per scan, nor
TensorFlow's and the libraries' INFO. `--verbosity 2` adds every INFO line, 3 everything
(TensorFlow's own log included)."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.management.base import BaseCommand

LIBRARY_LOGGERS = ("tensorflow", "absl", "h5py", "keras", "PIL", "matplotlib", "axes")


@contextmanager
def quiet_logs(verbosity: int) -> Iterator[None]:
    """Log levels for a command run at ``verbosity`` (set before TensorFlow is imported),
    put back afterwards (a command called from code leaves the caller's as they were)."""
    if verbosity < 3:
        os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"  # TensorFlow's C++ lines, read at import
    library = logging.DEBUG if verbosity >= 3 else logging.WARNING
    levels = {
        "": logging.DEBUG
        if verbosity >= 3
        else logging.INFO
        if verbosity == 2
        else logging.WARNING,
        # Progress of long work (training, evaluation) is mlcore's INFO: shown from 1 up.
        "mlcore": logging.INFO if verbosity >= 1 else logging.WARNING,
        **dict.fromkeys(LIBRARY_LOGGERS, library),
    }
    before = {name: logging.getLogger(name or None).level for name in levels}
    for name, level in levels.items():
        logging.getLogger(name or None).setLevel(level)
    try:
        yield
    finally:
        for name, level in before.items():
            logging.getLogger(name or None).setLevel(level)


class QuietCommand(BaseCommand):
    """A BaseCommand whose log follows --verbosity (see the module)."""

    def execute(self, *args, **options):
        with quiet_logs(options.get("verbosity", 1)):
            return super().execute(*args, **options)
