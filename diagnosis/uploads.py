"""Upload handlers that stop keeping a file's bytes once it passes the size limit.

Django's DATA_UPLOAD_MAX_MEMORY_SIZE does not cap file parts. These handlers still count
every byte (so the file's reported size is its real size and the service refuses it with
a message naming both sizes) but keep nothing past PNEUMO_MAX_UPLOAD_BYTES, in memory or
on disk.
"""

from django.conf import settings
from django.core.files.uploadhandler import (
    MemoryFileUploadHandler,
    TemporaryFileUploadHandler,
)


def _past_limit(start: int, chunk: bytes) -> bool:
    return start + len(chunk) > settings.PNEUMO_MAX_UPLOAD_BYTES


class CappedMemoryFileUploadHandler(MemoryFileUploadHandler):
    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if self.activated and _past_limit(start, raw_data):
            return None
        return super().receive_data_chunk(raw_data, start)


class CappedTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if _past_limit(start, raw_data):
            return None
        return super().receive_data_chunk(raw_data, start)
