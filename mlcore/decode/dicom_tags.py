"""What is kept of a DICOM header: a whitelist of technical tags, and a keyed patient pseudonym.

Nothing else of the header leaves :func:`mlcore.decode.dicom.render_dicom`: no name, no date, no
identifier. The patient key is HMAC-SHA-256 of PatientID under a site secret, so that a
patient's scans can be grouped and reviews split by patient without storing the identifier.
It is a pseudonym, not anonymity: whoever holds the secret and a PatientID can compute the
key and find that patient's scans.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any

# Technical tags shown to the user and stored with the scan: none identifies a patient.
KEPT_TAGS = (
    "Modality",
    "BodyPartExamined",
    "ViewPosition",
    "PhotometricInterpretation",
    "Rows",
    "Columns",
    "BitsStored",
    "NumberOfFrames",
)
# Value representations a kept tag may have: short codes and numbers, never a sequence,
# a person name or binary data. A Code String holds only capitals, digits, space and '_'.
KEPT_TEXT_VRS = {"CS"}
KEPT_NUMBER_VRS = {"US", "UL", "IS"}
CODE_STRING = re.compile(r"[A-Z0-9 _]{1,16}")
# A kept code is one of DICOM's defined terms (PS3.3 C.7.3.1.1.1, C.8.11.5, C.7.6.3.1.2;
# PS3.16 Annex L for body parts, those of a radiograph's trunk and limbs): a code string can
# hold anything short, a record number typed into the wrong field included, and that is
# not stored. Another term is dropped, not refused.
DEFINED_TERMS = {
    "Modality": {
        *("CR", "DX", "RG", "RF", "XA", "MG", "IO", "PX", "OT", "SC", "CT", "MR", "US"),
        *("NM", "PT", "DOC", "SR", "KO", "PR", "SEG", "ES", "XC", "OP", "OPT", "ECG"),
    },
    "BodyPartExamined": {
        *("CHEST", "THORAX", "LUNG", "HEART", "RIB", "STERNUM", "CLAVICLE", "SCAPULA"),
        *("ABDOMEN", "PELVIS", "SPINE", "CSPINE", "TSPINE", "LSPINE", "SSPINE", "COCCYX"),
        *("SKULL", "HEAD", "NECK", "HEADNECK", "CHESTABDOMEN", "ABDOMENPELVIS", "WHOLEBODY"),
        *("SHOULDER", "ARM", "ELBOW", "FOREARM", "WRIST", "HAND", "FINGER", "EXTREMITY"),
        *("HIP", "LEG", "KNEE", "ANKLE", "FOOT", "TOE", "BREAST"),
    },
    "ViewPosition": {"AP", "PA", "LL", "RL", "RLD", "LLD", "RLO", "LLO"},
    "PhotometricInterpretation": {
        *("MONOCHROME1", "MONOCHROME2", "RGB", "PALETTE COLOR", "YBR_FULL"),
        *("YBR_FULL_422", "YBR_PARTIAL_420", "YBR_ICT", "YBR_RCT"),
    },
}
# 128 bits of the HMAC: collisions between a site's patients are out of reach.
PATIENT_KEY_HEX_DIGITS = 32


def kept_tags(dataset) -> dict[str, Any]:
    """The whitelisted technical tags as plain short values; anything else is dropped."""
    tags: dict[str, Any] = {}
    for name in KEPT_TAGS:
        element = dataset.data_element(name) if name in dataset else None
        if element is None or element.VM != 1:
            continue
        if element.VR in KEPT_NUMBER_VRS:
            try:
                tags[name] = int(element.value)
            except (TypeError, ValueError):
                continue
        elif element.VR in KEPT_TEXT_VRS:
            text = str(element.value).strip()
            if CODE_STRING.fullmatch(text) and text in DEFINED_TERMS.get(name, ()):
                tags[name] = text
    return tags


def patient_key(dataset, secret: bytes | None) -> str:
    """HMAC-SHA-256(secret, PatientID) as hex; empty without a secret or a PatientID."""
    element = dataset.get("PatientID") if secret else None
    patient_id = str(element).strip() if element is not None else ""
    if not patient_id:
        return ""
    digest = hmac.new(secret, patient_id.encode("utf-8"), hashlib.sha256).hexdigest()
    return digest[:PATIENT_KEY_HEX_DIGITS]
