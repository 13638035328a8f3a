"""A DICOM's PatientID becomes a keyed pseudonym inside the decoder, and nothing more."""

import hashlib
import hmac
import pickle

from mlcore.decode.dicom import DicomOptions, render_dicom
from mlcore.decode.upload import decode_upload
from mlcore.tests.dicom_files import PHI, dicom_bytes

SECRET = b"site-secret"


def expected_key(patient_id: str, secret: bytes = SECRET) -> str:
    return hmac.new(secret, patient_id.encode(), hashlib.sha256).hexdigest()[:32]


def test_with_a_secret_the_key_is_the_hmac_of_the_patient_id():
    decoded = decode_upload(dicom_bytes(), patient_key_secret=SECRET)

    assert decoded.patient_key == expected_key(PHI["PatientID"])
    assert len(decoded.patient_key) == 32


def test_without_a_secret_there_is_no_key():
    assert decode_upload(dicom_bytes()).patient_key == ""


def test_another_secret_gives_another_key():
    other = decode_upload(dicom_bytes(), patient_key_secret=b"another-site")

    assert other.patient_key == expected_key(PHI["PatientID"], b"another-site")
    assert other.patient_key != expected_key(PHI["PatientID"])


def test_pictures_have_no_key(tmp_path):
    from mlcore.testing import xray_png

    assert decode_upload(xray_png(), patient_key_secret=SECRET).patient_key == ""


def test_the_patient_id_never_leaves_the_decoder():
    options = DicomOptions(
        max_pixels=10**8, max_decode_bytes=10**9, max_jpeg_scans=100, patient_key_secret=SECRET
    )
    rendered = render_dicom(dicom_bytes(), options)

    flat = pickle.dumps((rendered.tags, rendered.notes, rendered.patient_key))
    for value in PHI.values():
        assert value.encode() not in flat
