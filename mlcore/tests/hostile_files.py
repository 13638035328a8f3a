"""Files built to hurt a decoder or leak an identifier, small enough to make in a test.

Each keeps what makes the real attack work (a codestream that disagrees with its container,
a stream that inflates far past its size, an identifier where a technical tag belongs) at
a size a test can afford; the limits under test are lowered to match where needed.
"""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from PIL import Image
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.filewriter import write_dataset, write_file_meta_info
from pydicom.uid import (
    DeflatedExplicitVRLittleEndian,
    DigitalXRayImageStorageForPresentation,
    ExplicitVRLittleEndian,
    JPEG2000Lossless,
    JPEGBaseline8Bit,
    generate_uid,
)

from mlcore.tests.dicom_files import PHI, chest_pixels, dicom_bytes

ZERO_CHUNK = bytes(1 << 20)


def _meta(syntax) -> FileMetaDataset:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = DigitalXRayImageStorageForPresentation
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = syntax
    return meta


def _image_header(rows: int, columns: int, *, bits: int = 8, frames: int = 1) -> Dataset:
    ds = Dataset()
    ds.SOPClassUID = DigitalXRayImageStorageForPresentation
    ds.SOPInstanceUID = generate_uid()
    for name, value in PHI.items():
        setattr(ds, name, value)
    ds.Modality = "DX"
    ds.Rows, ds.Columns = rows, columns
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = 8 if bits <= 8 else 16
    ds.BitsStored = bits
    ds.HighBit = bits - 1
    ds.PixelRepresentation = 0
    if frames > 1:
        ds.NumberOfFrames = frames
    return ds


def _file(meta: FileMetaDataset, body: bytes) -> bytes:
    buffer = io.BytesIO()
    buffer.write(bytes(128) + b"DICM")
    write_file_meta_info(buffer, meta, enforce_standard=True)
    return buffer.getvalue() + body


def _encoded(ds: Dataset) -> bytes:
    from pydicom.filebase import DicomBytesIO

    buffer = DicomBytesIO()
    buffer.is_little_endian, buffer.is_implicit_VR = True, False
    write_dataset(buffer, ds)
    return buffer.getvalue()


def deflate_bomb(inflated_bytes: int) -> bytes:
    """A deflated DICOM (96x96 in its header) whose Pixel Data inflates to ``inflated_bytes``.

    Zeros compress ~1000:1, so 64 MB of inflated data fit in ~64 KB.
    """
    head = _encoded(_image_header(96, 96))
    element = struct.pack("<HH2sHI", 0x7FE0, 0x0010, b"OB", 0, inflated_bytes)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    pieces = [compressor.compress(head + element)]
    left = inflated_bytes
    while left > 0:
        pieces.append(compressor.compress(ZERO_CHUNK[: min(left, len(ZERO_CHUNK))]))
        left -= len(ZERO_CHUNK)
    pieces.append(compressor.flush())
    return _file(_meta(DeflatedExplicitVRLittleEndian), b"".join(pieces))


def corrupt_deflate() -> bytes:
    """A deflated DICOM whose compressed stream is garbage."""
    return _file(_meta(DeflatedExplicitVRLittleEndian), b"\xff\xfe\xfd" * 300)


def _encoded_frame(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray((chest_pixels(64, bits=8)).astype(np.uint8)).save(buffer, fmt)
    return buffer.getvalue()


def j2k_frame_claiming(width: int, height: int) -> bytes:
    """A small JPEG 2000 codestream whose SIZ segment claims ``width`` x ``height``."""
    frame = bytearray(_encoded_frame("JPEG2000"))
    start = frame.find(b"\xff\x4f\xff\x51")
    struct.pack_into(">II", frame, start + 8, width, height)
    return bytes(frame)


def jpeg_frame_claiming(width: int, height: int) -> bytes:
    """A small baseline JPEG whose frame header (SOF0) claims ``width`` x ``height``."""
    frame = bytearray(_encoded_frame("JPEG"))
    sof = frame.find(b"\xff\xc0")
    struct.pack_into(">HH", frame, sof + 5, height, width)
    return bytes(frame)


def encapsulated_dicom(frames: list[bytes], rows: int, columns: int, syntax) -> bytes:
    ds = _image_header(rows, columns, frames=len(frames))
    ds.PixelData = encapsulate(frames)
    ds["PixelData"].VR = "OB"
    return _file(_meta(syntax), _encoded(ds))


def j2k_size_lie() -> bytes:
    """DICOM header 512x512; its JPEG 2000 frame claims 13000x13000."""
    return encapsulated_dicom([j2k_frame_claiming(13000, 13000)], 512, 512, JPEG2000Lossless)


def jpeg_size_lie() -> bytes:
    """DICOM header 512x512; its baseline JPEG frame claims 13000x13000."""
    return encapsulated_dicom([jpeg_frame_claiming(13000, 13000)], 512, 512, JPEGBaseline8Bit)


def many_large_j2k_frames(frames: int = 50, side: int = 6000) -> bytes:
    """``frames`` JPEG 2000 frames of ``side`` x ``side`` pixels in a few kilobytes."""
    frame = j2k_frame_claiming(side, side)
    return encapsulated_dicom([frame] * frames, side, side, JPEG2000Lossless)


def progressive_jpeg_with_scans(scans: int) -> bytes:
    """A progressive JPEG whose last scan is repeated until it has ``scans`` scans."""
    buffer = io.BytesIO()
    Image.fromarray(chest_pixels(256, bits=8).astype(np.uint8)).save(
        buffer, "JPEG", progressive=True
    )
    data = buffer.getvalue()
    last_scan = data.rfind(b"\xff\xda")
    body, tail = data[:last_scan], data[last_scan:-2]
    return body + tail * (scans - data.count(b"\xff\xda") + 1) + b"\xff\xd9"


def dicom_editing(edit) -> bytes:
    """A valid generated DICOM with ``edit(dataset)`` applied before writing."""
    ds = _image_header(96, 96, bits=12)
    ds.BodyPartExamined = "CHEST"
    ds.PixelData = chest_pixels().tobytes()
    edit(ds)
    return _file(_meta(ExplicitVRLittleEndian), _encoded(ds))


def identifier_in_sequence() -> bytes:
    """PatientName/PatientID nested in a sequence where BodyPartExamined belongs."""

    def edit(ds: Dataset) -> None:
        nested = Dataset()
        nested.PatientName, nested.PatientID = PHI["PatientName"], PHI["PatientID"]
        ds["BodyPartExamined"] = DataElement(0x00180015, "SQ", [nested])

    return dicom_editing(edit)


def set_raw(tag: int, vr: str, value, **valid):
    """An edit that stores ``value`` under ``tag`` with any VR, valid or not (after setting
    the ``valid`` elements that make the bad one count)."""

    def edit(ds: Dataset) -> None:
        for name, good in valid.items():
            setattr(ds, name, good)
        ds[tag] = DataElement(tag, vr, value)

    return edit


MALFORMED_DICOM = {
    "window-width-zero": set_raw(0x00281051, "DS", "0", WindowCenter=2000),
    "window-width-negative": set_raw(0x00281051, "DS", "-40", WindowCenter=2000),
    "window-width-text": set_raw(0x00281051, "LO", "wide", WindowCenter=2000),
    "unknown-voi-lut-function": lambda ds: (
        setattr(ds, "WindowCenter", 100),
        setattr(ds, "WindowWidth", 200),
        ds.__setitem__(0x00281056, DataElement(0x00281056, "CS", "BOGUS")),
    ),
    "rescale-slope-text": set_raw(0x00281053, "LO", "steep", RescaleIntercept=0),
    "rows-text": set_raw(0x00280010, "LO", "many"),
    "rows-two-values": set_raw(0x00280010, "US", [96, 96]),
    "frames-100000-one-present": set_raw(0x00280008, "IS", "100000"),
    "frames-3-one-present": set_raw(0x00280008, "IS", "3"),
    "bits-allocated-7": set_raw(0x00280100, "US", 7),
    "pixel-data-short": lambda ds: setattr(ds, "PixelData", bytes(100)),
}


def no_transfer_syntax() -> bytes:
    meta = _meta(ExplicitVRLittleEndian)
    del meta.TransferSyntaxUID
    ds = _image_header(96, 96, bits=12)
    ds.PixelData = chest_pixels().tobytes()
    buffer = io.BytesIO()
    buffer.write(bytes(128) + b"DICM")
    write_file_meta_info(buffer, meta, enforce_standard=False)
    return buffer.getvalue() + _encoded(ds)


def valid_samples() -> dict[str, bytes]:
    """Valid generated files of every accepted kind: the seeds of the fuzz tests."""
    from pydicom.uid import RLELossless

    from mlcore.testing import xray_jpeg, xray_png

    return {
        "png": xray_png(size=96),
        "jpeg": xray_jpeg(size=96),
        "dicom": dicom_bytes(),
        "dicom-rle": dicom_bytes(compress=RLELossless),
        "dicom-deflated": dicom_bytes(syntax=DeflatedExplicitVRLittleEndian),
        "dicom-jpeg": encapsulated_dicom([_encoded_frame("JPEG")], 64, 64, JPEGBaseline8Bit),
    }


def mutations(data: bytes, count: int, seed: int) -> list[bytes]:
    """``count`` seeded random corruptions: byte changes, cuts, repeats and inserted junk."""
    rng = np.random.default_rng(seed)
    variants = []
    for _ in range(count):
        mutated = bytearray(data)
        kind = rng.integers(4)
        if kind == 0:  # change 1-16 bytes anywhere
            for position in rng.integers(0, len(mutated), rng.integers(1, 17)):
                mutated[position] = int(rng.integers(256))
        elif kind == 1:  # cut the file short
            mutated = mutated[: int(rng.integers(1, len(mutated)))]
        elif kind == 2:  # repeat a slice
            start = int(rng.integers(0, len(mutated)))
            mutated[start:start] = mutated[start : start + int(rng.integers(1, 512))]
        else:  # insert random bytes
            start = int(rng.integers(0, len(mutated)))
            mutated[start:start] = (
                rng.integers(0, 256, int(rng.integers(1, 64))).astype(np.uint8).tobytes()
            )
        variants.append(bytes(mutated))
    return variants
