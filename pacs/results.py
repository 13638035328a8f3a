"""The DICOM objects sent back to the PACS: a Comprehensive SR with the finding and a
Secondary Capture of the X-ray with the heatmap and the verdict drawn on it (IHE AI
Results), built with highdicom from the source header. No Django here.

Both go into the source study, in new series. Their UIDs are derived from a secret and
what they report (:func:`result_uid`): sent again after a failure, they replace the copy
the PACS may already hold instead of adding a second one.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

import highdicom as hd
import numpy as np
from PIL import Image, ImageDraw
from pydicom import Dataset
from pydicom.sr.codedict import codes
from pydicom.uid import generate_uid

MANUFACTURER = "PneumoScan"
DISCLAIMER = "Research and triage support only, not a diagnosis; to be reviewed by a clinician."
SR_SERIES_NUMBER = 9901
SC_SERIES_NUMBER = 9902
# Our own codes where no standard one exists (a private coding scheme, PS3.16 8.2).
SCHEME = "99PNEUMO"
FINDINGS = {
    "pneumonia": hd.sr.CodedConcept("233604007", "SCT", "Pneumonia"),
    "normal": hd.sr.CodedConcept("17621005", "SCT", "Normal"),
    "not_recognised": hd.sr.CodedConcept(
        "NOTCXR", SCHEME, "Not recognised as a frontal chest X-ray"
    ),
    "not_analysed": hd.sr.CodedConcept("NOTANALYSED", SCHEME, "Not analysed"),
}
REPORT = hd.sr.CodedConcept("18748-4", "LN", "Diagnostic imaging report")
SCORE = hd.sr.CodedConcept("SCORE", SCHEME, "Pneumonia score (0-100)")
CUTOFF = hd.sr.CodedConcept("CUTOFF", SCHEME, "Pneumonia cut-off (0-100)")
BAND = hd.sr.CodedConcept("BAND", SCHEME, "Relation to the borderline band")
ON_SCALE = hd.sr.CodedConcept("{score}", "UCUM", "score")


@dataclass(frozen=True)
class Finding:
    """What is reported about one source instance, on the site's one 0-100 scale."""

    verdict: str  # a key of FINDINGS
    model_version: str
    score: float | None = None
    cutoff: float | None = None
    band: str | None = None  # "clear" or "borderline"
    reason: str = ""  # why not analysed or not recognised
    reviewer: str = ""  # a clinician's confirmed finding: who (VERIFIED SR)
    reviewed_at: datetime | None = None


# The patient and study attributes a result copies (type 2: present, possibly empty).
COPIED = (
    "PatientName",
    "PatientID",
    "PatientBirthDate",
    "PatientSex",
    "StudyDate",
    "StudyTime",
    "ReferringPhysicianName",
    "StudyID",
    "AccessionNumber",
)


def with_study_module(source: Dataset) -> Dataset:
    """``source`` with every attribute a result copies, empty where the header had none."""
    header = Dataset()
    header.update(source)
    for keyword in COPIED:
        if keyword not in header:
            setattr(header, keyword, "")
    return header


def result_uid(secret: bytes, *parts: object) -> str:
    """A UID that is the same whenever the same result is made again."""
    return generate_uid(entropy_srcs=[secret.hex(), *map(str, parts)])


def _content(finding: Finding) -> hd.sr.ContainerContentItem:
    items = [
        hd.sr.CodeContentItem(
            name=codes.DCM.Finding,
            value=FINDINGS[finding.verdict],
            relationship_type=hd.sr.RelationshipTypeValues.CONTAINS,
        )
    ]
    for name, value in ((SCORE, finding.score), (CUTOFF, finding.cutoff)):
        if value is not None:
            items.append(
                hd.sr.NumContentItem(
                    name=name,
                    value=round(float(value), 2),
                    unit=ON_SCALE,
                    relationship_type=hd.sr.RelationshipTypeValues.CONTAINS,
                )
            )
    texts = [
        (BAND, finding.band or ""),
        (codes.DCM.AlgorithmName, MANUFACTURER),
        (codes.DCM.AlgorithmVersion, finding.model_version),
        (codes.DCM.Comment, finding.reason),
        (codes.DCM.Comment, DISCLAIMER),
    ]
    items += [
        hd.sr.TextContentItem(
            name=name, value=value, relationship_type=hd.sr.RelationshipTypeValues.CONTAINS
        )
        for name, value in texts
        if value
    ]
    container = hd.sr.ContainerContentItem(name=REPORT)
    container.ContentSequence = hd.sr.ContentSequence(items, is_root=False)
    return container


def _equipment(finding: Finding) -> list[hd.ContributingEquipment]:
    return [
        hd.ContributingEquipment(
            manufacturer=MANUFACTURER,
            purpose_of_reference=codes.DCM.ProcessingEquipment,
            manufacturer_model_name="PneumoScan pneumonia screening model",
            software_versions=finding.model_version,
        )
    ]


def structured_report(
    source: Dataset,
    finding: Finding,
    *,
    sop_instance_uid: str,
    series_instance_uid: str,
    predecessor: Dataset | None = None,
) -> hd.sr.ComprehensiveSR:
    """The finding as a Comprehensive SR referencing ``source`` (its header suffices).
    With a reviewer it is VERIFIED and names ``predecessor`` (the unverified SR)."""
    verified = bool(finding.reviewer)
    return hd.sr.ComprehensiveSR(
        evidence=[with_study_module(source)],
        content=_content(finding),
        series_instance_uid=series_instance_uid,
        series_number=SR_SERIES_NUMBER,
        sop_instance_uid=sop_instance_uid,
        instance_number=2 if verified else 1,
        manufacturer=MANUFACTURER,
        is_complete=True,
        is_verified=verified,
        verifying_observer_name=finding.reviewer or None,
        verifying_organization=MANUFACTURER if verified else None,
        previous_versions=[predecessor] if predecessor is not None else None,
        contributing_equipment=_equipment(finding),
        series_description="PneumoScan finding",
    )


def annotated(picture: Image.Image, heatmap: Image.Image | None, finding: Finding) -> np.ndarray:
    """The X-ray (RGB), the heatmap laid over it when there is one, the verdict written at
    the top: the pixels of the Secondary Capture."""
    image = picture.convert("RGB")
    if heatmap is not None:
        image = heatmap.convert("RGB").resize(image.size)
    draw = ImageDraw.Draw(image)
    label = FINDINGS[finding.verdict].meaning
    if finding.score is not None:
        label += f"  score {finding.score:.1f} / cut-off {finding.cutoff:.1f}"
    lines = [label, f"PneumoScan {finding.model_version}: research and triage support only"]
    height = 14 * len(lines) + 6
    draw.rectangle([0, 0, image.width, height], fill=(0, 0, 0))
    for row, line in enumerate(lines):
        draw.text((4, 3 + 14 * row), line, fill=(255, 255, 0))
    return np.asarray(image, dtype=np.uint8)


def secondary_capture(
    source: Dataset,
    pixels: np.ndarray,
    finding: Finding,
    *,
    sop_instance_uid: str,
    series_instance_uid: str,
) -> hd.sc.SCImage:
    """The annotated picture as a Secondary Capture in the source study."""
    orientation = tuple(source.get("PatientOrientation") or ()) or ("L", "F")
    return hd.sc.SCImage.from_ref_dataset(
        ref_dataset=with_study_module(source),
        pixel_array=pixels,
        photometric_interpretation=hd.PhotometricInterpretationValues.RGB,
        bits_allocated=8,
        coordinate_system=hd.CoordinateSystemNames.PATIENT,
        series_instance_uid=series_instance_uid,
        series_number=SC_SERIES_NUMBER,
        sop_instance_uid=sop_instance_uid,
        instance_number=1,
        manufacturer=MANUFACTURER,
        patient_orientation=orientation,
        series_description="PneumoScan heatmap",
        contributing_equipment=_equipment(finding),
    )


def encoded(dataset: Dataset) -> bytes:
    """A result object as a DICOM file's bytes (for STOW-RS or a log of sizes)."""
    buffer = io.BytesIO()
    dataset.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()
