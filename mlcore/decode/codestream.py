"""What a compressed image will cost to decode, read from its codestream before decoding.

Decoders allocate what the codestream says, not what a container's header says: a DICOM
whose Rows/Columns say 512x512 can carry a JPEG 2000 frame that claims 13000x13000, and a
300 KB progressive JPEG can hold thousands of scans, each a full pass of the decoder over
the image. These parsers read the real frame header (JPEG SOF, JPEG 2000 SIZ) in bounded
time, so that the caller can refuse a file before any decoder allocates anything.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from mlcore.errors import MlcoreError

JPEG_SOI = b"\xff\xd8"
J2K_SOC_SIZ = b"\xff\x4f\xff\x51"
JP2_SIGNATURE = b"\x00\x00\x00\x0cjP  "
# SOF0-SOF15 except DHT (C4), JPG (C8) and DAC (CC)
JPEG_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
JPEG_STANDALONE_MARKERS = frozenset(range(0xD0, 0xD9)) | {0x01}
JPEG_SOS = b"\xff\xda"
# Bytes searched for a JPEG 2000 codestream inside a JP2 wrapper (its boxes come first).
J2K_SEARCH_WINDOW = 1 << 16


class CodestreamError(MlcoreError, ValueError):
    """The codestream's header is missing or malformed; the message says what is wrong."""


@dataclass(frozen=True)
class FrameHeader:
    """The dimensions a decoder will allocate for, as the codestream declares them."""

    width: int
    height: int
    components: int
    bits: int
    scans: int = 1

    @property
    def decoded_bytes(self) -> int:
        """Bytes of the decoded frame: pixels x components x bytes per sample."""
        return self.width * self.height * self.components * (2 if self.bits > 8 else 1)


def frame_header(data: bytes) -> FrameHeader | None:
    """The header of a JPEG or JPEG 2000 codestream; None for any other kind of data."""
    if data.startswith(JPEG_SOI):
        return jpeg_header(data)
    if data.startswith(J2K_SOC_SIZ) or data.startswith(JP2_SIGNATURE):
        return j2k_header(data)
    return None


def jpeg_header(data: bytes) -> FrameHeader:
    """Walk the marker segments up to the frame header (SOF); count the scans (SOS).

    Scans are counted as SOS markers anywhere in the file: entropy-coded data cannot hold
    one (every 0xFF there is followed by 0x00), so this is exact for real files and only
    errs towards refusing a crafted one.
    """
    offset = len(JPEG_SOI)
    while offset + 4 <= len(data):
        if data[offset] != 0xFF:
            raise CodestreamError("The JPEG data is malformed (no marker where one is due).")
        marker = data[offset + 1]
        if marker == 0xFF:  # fill byte before a marker
            offset += 1
            continue
        if marker in JPEG_STANDALONE_MARKERS:
            offset += 2
            continue
        (length,) = struct.unpack(">H", data[offset + 2 : offset + 4])
        if length < 2:
            raise CodestreamError("The JPEG data is malformed (a segment of length < 2).")
        if marker in JPEG_SOF_MARKERS:
            return _jpeg_sof(data[offset + 4 : offset + 2 + length], data.count(JPEG_SOS))
        if data[offset : offset + 2] == JPEG_SOS:
            break
        offset += 2 + length
    raise CodestreamError("The JPEG data has no frame header (SOF).")


def _jpeg_sof(segment: bytes, scans: int) -> FrameHeader:
    if len(segment) < 6:
        raise CodestreamError("The JPEG frame header is truncated.")
    bits, height, width, components = struct.unpack(">BHHB", segment[:6])
    if width == 0 or height == 0 or components == 0:
        raise CodestreamError(
            f"The JPEG frame header declares {width}x{height} pixels and {components} "
            "components, which no decoder here accepts."
        )
    return FrameHeader(width, height, components, bits, max(scans, 1))


def j2k_header(data: bytes) -> FrameHeader:
    """The SIZ segment of a JPEG 2000 codestream (raw, or inside a JP2 file)."""
    start = data.find(J2K_SOC_SIZ, 0, J2K_SEARCH_WINDOW)
    if start < 0:
        raise CodestreamError("The JPEG 2000 data has no image header (SIZ).")
    siz = data[start + 4 :]
    if len(siz) < 38:
        raise CodestreamError("The JPEG 2000 image header (SIZ) is truncated.")
    (_, _, xsiz, ysiz, x_origin, y_origin, *_, components) = struct.unpack(">HHIIIIIIIIH", siz[:38])
    width, height = xsiz - x_origin, ysiz - y_origin
    end = 38 + 3 * components  # each component: depth, horizontal and vertical sampling
    if width <= 0 or height <= 0 or not 0 < components <= 16384 or len(siz) < end:
        raise CodestreamError("The JPEG 2000 image header (SIZ) is malformed.")
    bits = max((depth & 0x7F) + 1 for depth in siz[38:end:3])
    return FrameHeader(width, height, components, bits)
