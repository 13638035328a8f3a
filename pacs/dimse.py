"""The PACS as a DICOM peer: find an instance's header (C-FIND), store results (C-STORE),
and where the PACS is reached (PNEUMO_DICOM_DESTINATION, ``AE@host:port``)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from pydicom import Dataset

from pacs.results import COPIED
from pacs.sealing import SourceReference

DESTINATION = re.compile(r"^(?P<ae>[^@\s\\]{1,16})@(?P<host>[^:\s]+):(?P<port>\d{1,5})$")
# What a result copies from its source, and what highdicom needs to reference it.
HEADER_KEYS = (*COPIED, "PatientOrientation", "Modality")


class DeliveryError(RuntimeError):
    """The PACS could not be reached or refused; the message says which (no identifiers)."""


@dataclass(frozen=True)
class Peer:
    ae_title: str
    host: str
    port: int


def destination() -> Peer | None:
    """The configured PACS, or None; ValueError (one line) when the setting is malformed."""
    value = settings.PNEUMO_DICOM_DESTINATION
    if not value:
        return None
    match = DESTINATION.match(value)
    if not match or not 0 < int(match["port"]) < 65536:
        raise ValueError(
            f"PNEUMO_DICOM_DESTINATION must be AE@host:port (e.g. ORTHANC@127.0.0.1:4242), "
            f"not {value[:60]!r}."
        )
    return Peer(match["ae"], match["host"], int(match["port"]))


def _associate(peer: Peer, contexts: Sequence[tuple[str, Sequence[str] | None]]):
    from pynetdicom import AE

    ae = AE(ae_title=settings.PNEUMO_DICOM_AE_TITLE)
    timeout = settings.PNEUMO_DICOM_TIMEOUT
    ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = timeout
    for abstract, syntaxes in contexts:
        if syntaxes:
            ae.add_requested_context(abstract, syntaxes)
        else:
            ae.add_requested_context(abstract)
    assoc = ae.associate(peer.host, peer.port, ae_title=peer.ae_title)
    if not assoc.is_established:
        raise DeliveryError(
            f"The PACS {peer.ae_title} at {peer.host}:{peer.port} refused "
            "or did not answer the association."
        )
    return assoc


def find_header(peer: Peer, reference: SourceReference) -> Dataset | None:
    """The source instance's patient, study and series attributes, from the PACS."""
    from pynetdicom.sop_class import StudyRootQueryRetrieveInformationModelFind

    query = Dataset()
    query.QueryRetrieveLevel = "IMAGE"
    query.StudyInstanceUID = reference.study
    query.SeriesInstanceUID = reference.series
    query.SOPInstanceUID = reference.instance
    query.SOPClassUID = ""
    for keyword in HEADER_KEYS:
        setattr(query, keyword, "")
    assoc = _associate(peer, [(StudyRootQueryRetrieveInformationModelFind, None)])
    found = None
    try:
        for status, identifier in assoc.send_c_find(
            query, StudyRootQueryRetrieveInformationModelFind
        ):
            if status is None:
                raise DeliveryError("The PACS did not answer the query in time.")
            if status.Status in (0xFF00, 0xFF01) and identifier is not None:
                found = identifier
    finally:
        assoc.release()
    if found is not None and not found.get("SOPClassUID"):
        found.SOPClassUID = reference.sop_class
    return found


def store(peer: Peer, datasets: Sequence[Dataset]) -> None:
    """C-STORE each result; DeliveryError unless the PACS answers Success (or a warning)."""
    contexts = {(str(ds.SOPClassUID), str(ds.file_meta.TransferSyntaxUID)) for ds in datasets}
    assoc = _associate(peer, [(abstract, [syntax]) for abstract, syntax in sorted(contexts)])
    try:
        for dataset in datasets:
            status = assoc.send_c_store(dataset)
            code = getattr(status, "Status", None)
            if code is None or not (code == 0 or 0xB000 <= code <= 0xBFFF):
                shown = "no answer" if code is None else f"status 0x{code:04X}"
                raise DeliveryError(f"The PACS refused a result object ({shown}).")
    finally:
        assoc.release()
