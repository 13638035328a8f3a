"""Upload handlers that stop keeping a file's bytes once it passes the size limit, and
never leave an upload behind on disk.

Django's DATA_UPLOAD_MAX_MEMORY_SIZE does not cap file parts. These handlers still count
every byte (so the file's reported size is its real size and the service refuses it with
a message naming both sizes) but keep nothing past PNEUMO_MAX_UPLOAD_BYTES, in memory or
on disk.

Requests up to FILE_UPLOAD_MAX_MEMORY_SIZE stay in memory. Larger ones are spooled to
files that have no name on disk (O_TMPFILE, or unlinked at once where the file system
lacks it), in the app's private folder PNEUMO_UPLOAD_SPOOL_DIR (mode 0700): the kernel frees
them when the request closes them or when the worker dies, even by kill -9, so no original
DICOM with its identifiers can outlive its request. Django's own handler writes named
files to the system temp folder, where they stay when a worker dies.
"""

from __future__ import annotations

import os
import stat
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, MemoryFileUploadHandler

# Django's named temporary uploads (from before, or another Django process): left alone
# for this long, as one may still be in use.
SYSTEM_TEMP_GRACE_SECONDS = 3600


def _past_limit(start: int, chunk: bytes) -> bool:
    return start + len(chunk) > settings.PNEUMO_MAX_UPLOAD_BYTES


def upload_temp_dir() -> Path:
    """The private spool folder, created (and kept) readable by the app's user only."""
    folder = Path(settings.PNEUMO_UPLOAD_SPOOL_DIR)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    return folder


class UnnamedUploadedFile(UploadedFile):
    """An upload spooled to a file without a name on disk (see the module's docstring)."""

    def __init__(self, name, content_type, charset, content_type_extra=None) -> None:
        file = tempfile.TemporaryFile(dir=upload_temp_dir())  # noqa: SIM115 - closed by the request
        super().__init__(file, name, content_type, 0, charset, content_type_extra)


class CappedMemoryFileUploadHandler(MemoryFileUploadHandler):
    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if self.activated and _past_limit(start, raw_data):
            return None
        return super().receive_data_chunk(raw_data, start)


class CappedTemporaryFileUploadHandler(FileUploadHandler):
    """Spools each file to an UnnamedUploadedFile (Django's handler names its files)."""

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.file = UnnamedUploadedFile(
            self.file_name, self.content_type, self.charset, self.content_type_extra
        )

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        if not _past_limit(start, raw_data):
            self.file.write(raw_data)

    def file_complete(self, file_size: int) -> UploadedFile:
        self.file.seek(0)
        self.file.size = file_size
        return self.file

    def upload_interrupted(self) -> None:
        if hasattr(self, "file"):
            self.file.close()  # nothing to remove: the file has no name


def leftover_uploads() -> list[Path]:
    """Upload files found on disk: any named file in the private spool folder, and
    Django's named temporary uploads in the system temp folder (older than an hour)."""
    spool = Path(settings.PNEUMO_UPLOAD_SPOOL_DIR)
    found = sorted(path for path in spool.iterdir() if path.is_file()) if spool.is_dir() else []
    deadline = time.time() - SYSTEM_TEMP_GRACE_SECONDS
    for path in sorted(Path(tempfile.gettempdir()).glob("tmp*.upload*")):
        info = path.lstat()
        if stat.S_ISREG(info.st_mode) and info.st_uid == os.getuid() and info.st_mtime < deadline:
            found.append(path)
    return found
