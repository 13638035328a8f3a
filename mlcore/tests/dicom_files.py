"""DICOM files built in memory with pydicom, carrying patient identifiers on purpose."""

from __future__ import annotations

import io

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.uid import (
    DigitalXRayImageStorageForPresentation,
    ExplicitVRLittleEndian,
    generate_uid,
)

PHI = {
    "PatientName": "Doe^Jane",
    "PatientID": "PID-7731-SECRET",
    "PatientBirthDate": "20200229",
    "InstitutionName": "Saint Nowhere Hospital",
    "AccessionNumber": "ACC-99812-SECRET",
}


def chest_pixels(size: int = 96, bits: int = 12) -> np.ndarray:
    """Dark lungs in a bright body, spanning most of the ``bits`` range."""
    y, x = np.mgrid[0:size, 0:size] / size
    lungs = ((x - 0.3) ** 2 / 0.03 + (y - 0.5) ** 2 / 0.12 < 1) | (
        (x - 0.7) ** 2 / 0.03 + (y - 0.5) ** 2 / 0.12 < 1
    )
    top = 2**bits - 1
    return np.where(lungs, 0.1 * top, 0.8 * top).astype(np.uint16)


def dicom_bytes(
    pixels: np.ndarray | None = None,
    *,
    bits: int = 12,
    photometric: str = "MONOCHROME2",
    window: tuple[float, float] | None = None,
    frames: int = 1,
    syntax=ExplicitVRLittleEndian,
    compress=None,
    modality: str = "DX",
    view: str = "PA",
) -> bytes:
    pixels = chest_pixels(bits=bits) if pixels is None else pixels
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = DigitalXRayImageStorageForPresentation
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = syntax
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    for name, value in PHI.items():
        setattr(ds, name, value)
    ds.Modality = modality
    ds.BodyPartExamined = "CHEST"
    ds.ViewPosition = view
    ds.Rows, ds.Columns = pixels.shape
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = photometric
    ds.BitsAllocated = 16
    ds.BitsStored = bits
    ds.HighBit = bits - 1
    ds.PixelRepresentation = 0
    if window:
        ds.WindowCenter, ds.WindowWidth = window
    if frames > 1:
        ds.NumberOfFrames = frames
        pixels = np.stack([pixels] + [np.full_like(pixels, 0)] * (frames - 1))
    if syntax.is_compressed:  # a stream this machine has no decoder for
        ds.PixelData = encapsulate([b"\xff\xd8\xff\xc3" + bytes(64)])
        ds["PixelData"].VR = "OB"
    else:
        ds.PixelData = pixels.tobytes()
    if compress is not None:
        ds.compress(compress)
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()
