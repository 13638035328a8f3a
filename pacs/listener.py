"""The DICOM storage node (pynetdicom SCP): C-ECHO, and C-STORE of radiographs into the
history through pacs.services.

pynetdicom holds a dataset in memory while it arrives and sets no size limit on it: the
listener counts the bytes each association receives and aborts one that sends more than
an upload may hold (PNEUMO_MAX_UPLOAD_BYTES). Chunked receive (which writes named
temporary files) stays off, and the request identifiers pynetdicom can log are not
logged, so that no original or identifier outlives the request.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from django.conf import settings
from django.db import DatabaseError, close_old_connections
from django.utils import timezone

from accounts import audit
from diagnosis.active_model import decodable_transfer_syntaxes
from diagnosis.models import Scan
from pacs.models import ListenerState
from pacs.routing import RADIOGRAPH_CLASSES
from pacs.selectors import HEARTBEAT
from pacs.services import PROCESSING_FAILURE, dicom_owner, instance_receive

logger = logging.getLogger(__name__)
# Bytes past an upload's limit that a dataset may bring: its DIMSE and meta overhead.
OVERHEAD_BYTES = 1 << 20
SUCCESS = 0x0000


def _configure_pynetdicom() -> None:
    from pynetdicom import _config

    _config.LOG_REQUEST_IDENTIFIERS = False
    _config.LOG_RESPONSE_IDENTIFIERS = False
    _config.STORE_RECV_CHUNKED_DATASET = False
    _config.LOG_HANDLER_LEVEL = "none"


def _on_data(event) -> None:
    received = getattr(event.assoc, "pneumo_bytes", 0) + len(event.data)
    event.assoc.pneumo_bytes = received
    if received > settings.PNEUMO_MAX_UPLOAD_BYTES + OVERHEAD_BYTES:
        logger.warning(
            "Aborted an association from %s: more than %.1f MB in one dataset",
            event.assoc.requestor.ae_title,
            settings.PNEUMO_MAX_UPLOAD_BYTES / 1e6,
        )
        event.assoc.abort()


def _on_store(event) -> int:
    event.assoc.pneumo_bytes = 0
    calling = event.assoc.requestor.ae_title.strip()
    try:
        data = event.encoded_dataset()
        with audit.acting(audit.Actor(audit.Via.DICOM, user=dicom_owner())):
            return instance_receive(data, source=Scan.Source.DICOM, calling_ae=calling).status
    except Exception:  # a failure here must not take the listener down
        logger.exception("Could not process an instance from %s", calling)
        return PROCESSING_FAILURE


def _on_end(event) -> None:
    close_old_connections()  # each association ran in its own thread


def application_entity():
    """The configured AE: radiographs in the decodable syntaxes; any other storage class
    accepted (acknowledged and skipped); verification."""
    from pynetdicom import AE, ALL_TRANSFER_SYNTAXES, AllStoragePresentationContexts
    from pynetdicom.sop_class import Verification

    _configure_pynetdicom()
    ae = AE(ae_title=settings.PNEUMO_DICOM_AE_TITLE)
    ae.maximum_associations = settings.PNEUMO_DICOM_MAX_ASSOCIATIONS
    ae.maximum_pdu_size = settings.PNEUMO_DICOM_MAX_PDU
    ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = settings.PNEUMO_DICOM_TIMEOUT
    if settings.PNEUMO_DICOM_ALLOWED_AES:
        ae.require_calling_aet = settings.PNEUMO_DICOM_ALLOWED_AES
    decodable = list(decodable_transfer_syntaxes())
    for context in AllStoragePresentationContexts:
        radiograph = context.abstract_syntax in RADIOGRAPH_CLASSES
        ae.add_supported_context(
            context.abstract_syntax, decodable if radiograph else ALL_TRANSFER_SYNTAXES
        )
    ae.add_supported_context(Verification)
    return ae


def _heartbeat(name: str, started: datetime) -> None:
    """Say the listener is alive (the staff page); a database hiccup is only logged."""
    try:
        ListenerState.objects.update_or_create(
            address=name[:64], defaults={"started_at": started, "seen_at": timezone.now()}
        )
    except DatabaseError:
        logger.warning("Could not record the listener's heartbeat", exc_info=True)
    finally:
        close_old_connections()


def serve(stop: threading.Event | None = None) -> None:
    """Listen on PNEUMO_DICOM_BIND:PNEUMO_DICOM_PORT until ``stop`` is set (or forever)."""
    from pynetdicom import evt

    handlers = [
        (evt.EVT_C_STORE, _on_store),
        (evt.EVT_C_ECHO, lambda event: SUCCESS),
        (evt.EVT_DATA_RECV, _on_data),
        (evt.EVT_RELEASED, _on_end),
        (evt.EVT_ABORTED, _on_end),
    ]
    address = (settings.PNEUMO_DICOM_BIND, settings.PNEUMO_DICOM_PORT)
    server = application_entity().start_server(address, block=False, evt_handlers=handlers)
    logger.info("DICOM listener %s on %s:%s", settings.PNEUMO_DICOM_AE_TITLE, *address)
    name = f"{settings.PNEUMO_DICOM_AE_TITLE}@{address[0]}:{address[1]}"
    started = timezone.now()
    stop = stop or threading.Event()
    try:
        _heartbeat(name, started)
        while not stop.wait(HEARTBEAT.total_seconds()):
            _heartbeat(name, started)
    finally:
        server.shutdown()
        logger.info("DICOM listener stopped")
