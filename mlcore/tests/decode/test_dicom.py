import io

import numpy as np
import pydicom
import pytest
from pydicom.uid import JPEGLosslessSV1, JPEGLSLossless, RLELossless

from mlcore.decode.dicom import TRANSFER_SYNTAXES, decodable_transfer_syntaxes
from mlcore.decode.upload import decode_upload
from mlcore.errors import ImageError
from mlcore.tests.dicom_files import PHI, chest_pixels, dicom_bytes


def lung_and_body(image) -> tuple[float, float]:
    pixels = np.asarray(image, dtype=float)
    return pixels[48, 29], pixels[5, 5]  # inside the left lung, outside both lungs


def test_monochrome2_renders_lungs_dark():
    decoded = decode_upload(dicom_bytes())

    assert decoded.source_format == "DICOM"
    assert decoded.image.mode == "L" and decoded.image.size == (96, 96)
    lung, body = lung_and_body(decoded.image)
    assert lung < 40 and body > 200


def test_monochrome1_is_inverted_so_lungs_stay_dark():
    inverted = (2**12 - 1) - chest_pixels()
    decoded = decode_upload(dicom_bytes(inverted, photometric="MONOCHROME1"))

    lung, body = lung_and_body(decoded.image)
    assert lung < 40 and body > 200


def test_16_bit_window_is_applied():
    pixels = chest_pixels(bits=16)
    pixels[40:56, 60:70] = 60000  # a very bright marker outside the window
    decoded = decode_upload(dicom_bytes(pixels, bits=16, window=(30000, 40000)))

    values = np.asarray(decoded.image)
    lung, body = lung_and_body(decoded.image)
    assert lung < 40 and body > 200
    assert values[45, 65] == 255  # clipped at the top of the window, not stretched
    assert decoded.tags["BitsStored"] == 16


def test_multi_frame_uses_the_first_frame_and_says_so():
    decoded = decode_upload(dicom_bytes(frames=3))

    assert lung_and_body(decoded.image)[1] > 200
    assert decoded.notes == ["Multi-frame DICOM (3 frames): the first frame was used."]


def test_rle_compressed_dicom_decodes():
    decoded = decode_upload(dicom_bytes(compress=RLELossless))

    assert decoded.tags["TransferSyntax"] == "RLE Lossless"
    assert lung_and_body(decoded.image)[1] > 200


def test_undecodable_transfer_syntax_is_named():
    data = dicom_bytes(syntax=JPEGLosslessSV1)

    with pytest.raises(ImageError, match="transfer syntax JPEG Lossless"):
        decode_upload(data)


def test_jpeg_ls_is_refused_by_name_though_a_decoder_is_installed():
    """pyjpegls (highdicom's dependency) gives pydicom a JPEG-LS decoder; its codestreams
    are not bounded before decoding, so the syntax stays off the list."""
    pytest.importorskip("jpeg_ls")
    data = dicom_bytes(compress=JPEGLSLossless)

    with pytest.raises(ImageError, match=r"transfer syntax JPEG-LS Lossless .* cannot be decoded"):
        decode_upload(data)


def test_every_listed_transfer_syntax_is_readable_here():
    assert set(decodable_transfer_syntaxes()) == set(TRANSFER_SYNTAXES)


def test_only_technical_tags_are_kept():
    decoded = decode_upload(dicom_bytes())

    assert decoded.tags == {
        "Modality": "DX",
        "BodyPartExamined": "CHEST",
        "ViewPosition": "PA",
        "PhotometricInterpretation": "MONOCHROME2",
        "Rows": 96,
        "Columns": 96,
        "BitsStored": 12,
        "TransferSyntax": "Explicit VR Little Endian",
    }
    assert not any(value in str(decoded.tags) for value in PHI.values())


@pytest.mark.parametrize(
    ("tag", "value"),
    [("BodyPartExamined", "ZZMRN778899"), ("ViewPosition", "SMITH"), ("Modality", "ZZ")],
)
def test_a_code_that_is_no_defined_term_is_not_kept(tag, value):
    source = pydicom.dcmread(io.BytesIO(dicom_bytes()))
    setattr(source, tag, value)
    buffer = io.BytesIO()
    source.save_as(buffer, enforce_file_format=True)

    decoded = decode_upload(buffer.getvalue())

    assert tag not in decoded.tags and value not in str(decoded.tags)
    assert decoded.tags["Rows"] == 96  # the rest is kept


def test_dicom_without_pixels_or_truncated_is_refused():
    data = dicom_bytes()
    with pytest.raises(ImageError, match="DICOM"):
        decode_upload(data[:300])


def test_a_refusal_quotes_no_header_value(caplog):
    source = pydicom.dcmread(io.BytesIO(dicom_bytes()))
    source.add_new("NumberOfFrames", "IS", "0")
    source["NumberOfFrames"]._value = "MRN778899"  # what a wrong field may hold
    buffer = io.BytesIO()
    source.save_as(buffer, enforce_file_format=True)

    with pytest.raises(ImageError) as refused:
        decode_upload(buffer.getvalue())

    assert "MRN778899" not in str(refused.value)
    assert "MRN778899" not in caplog.text
