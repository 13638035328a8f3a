"""Which received instances are analysed: frontal chest radiographs only. No Django.

Modality CR or DX (or a Secondary Capture of one), ViewPosition PA, AP or absent; the
SOP class one of the radiograph storage classes. BodyPartExamined is wrong in a fair share
of real headers, so it is only a hint a site may turn on (``body_parts``: a value outside
it is skipped, a missing one passes); the gate stays the final judge. Our own result
objects (the manufacturer we write) are never analysed again, so a PACS that sends
everything back cannot start a loop.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from pydicom import Dataset
from pydicom.uid import (
    ComputedRadiographyImageStorage,
    DigitalXRayImageStorageForPresentation,
    DigitalXRayImageStorageForProcessing,
    SecondaryCaptureImageStorage,
)

from pacs.results import MANUFACTURER

RADIOGRAPH_CLASSES = (
    ComputedRadiographyImageStorage,
    DigitalXRayImageStorageForPresentation,
    DigitalXRayImageStorageForProcessing,
    SecondaryCaptureImageStorage,
)
MODALITIES = {"CR", "DX"}
FRONTAL_VIEWS = {"PA", "AP", ""}


@dataclass(frozen=True)
class Route:
    analyse: bool
    reason: str = ""  # why not, in our words (never a header value)


def route(header: Dataset, body_parts: Collection[str] = ()) -> Route:
    """Whether to analyse the instance whose header this is."""
    if str(header.get("Manufacturer", "")) == MANUFACTURER:
        return Route(False, "one of our own result objects")
    if str(header.get("SOPClassUID", "")) not in RADIOGRAPH_CLASSES:
        return Route(False, "not a radiograph storage class")
    if str(header.get("Modality", "")).upper() not in MODALITIES:
        return Route(False, "modality is not CR or DX")
    if str(header.get("ViewPosition", "")).upper() not in FRONTAL_VIEWS:
        return Route(False, "not a frontal view (ViewPosition is not PA or AP)")
    part = str(header.get("BodyPartExamined", "")).upper()
    if body_parts and part and part not in {value.upper() for value in body_parts}:
        return Route(False, "body part outside PNEUMO_DICOM_BODY_PARTS")
    return Route(True)
