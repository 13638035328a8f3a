"""The SR and Secondary Capture: in the source study, referencing the source, readable."""

from __future__ import annotations

import io

import pydicom
from PIL import Image

from mlcore.tests.dicom_files import dicom_bytes
from pacs.results import (
    DISCLAIMER,
    Finding,
    annotated,
    encoded,
    result_uid,
    secondary_capture,
    structured_report,
)

SECRET = b"k" * 32


def source():
    return pydicom.dcmread(io.BytesIO(dicom_bytes()), stop_before_pixels=True)


def read_back(dataset):
    return pydicom.dcmread(io.BytesIO(encoded(dataset)))


def texts(report) -> list[str]:
    return [item.get("TextValue", "") for item in report.ContentSequence]


def test_the_report_is_in_the_source_study_and_references_the_source():
    header = source()
    finding = Finding("pneumonia", "2026.11.25-x", score=91.5, cutoff=84.2, band="clear")
    report = read_back(
        structured_report(
            header,
            finding,
            sop_instance_uid=result_uid(SECRET, 1, "sr"),
            series_instance_uid=result_uid(SECRET, "series"),
        )
    )

    assert report.StudyInstanceUID == header.StudyInstanceUID
    assert report.PatientID == header.PatientID
    assert report.SeriesInstanceUID != header.SeriesInstanceUID
    evidence = report.CurrentRequestedProcedureEvidenceSequence[0]
    referenced = evidence.ReferencedSeriesSequence[0].ReferencedSOPSequence[0]
    assert referenced.ReferencedSOPInstanceUID == header.SOPInstanceUID
    assert report.VerificationFlag == "UNVERIFIED"
    codes = [
        item.ConceptCodeSequence[0].CodeMeaning
        for item in report.ContentSequence
        if "ConceptCodeSequence" in item
    ]
    assert codes == ["Pneumonia"]
    numbers = [
        item.MeasuredValueSequence[0].NumericValue
        for item in report.ContentSequence
        if "MeasuredValueSequence" in item
    ]
    assert [float(n) for n in numbers] == [91.5, 84.2]
    assert DISCLAIMER in texts(report) and "2026.11.25-x" in texts(report)
    assert report.ContributingEquipmentSequence[0].SoftwareVersions == "2026.11.25-x"


def test_a_reviewed_finding_is_verified_and_names_its_predecessor():
    header = source()
    first = structured_report(
        header,
        Finding("normal", "v1", score=10.0, cutoff=84.2),
        sop_instance_uid=result_uid(SECRET, 1, "sr"),
        series_instance_uid=result_uid(SECRET, "s"),
    )
    review = Finding("pneumonia", "v1", score=10.0, cutoff=84.2, reviewer="Doe^Jane")
    report = read_back(
        structured_report(
            header,
            review,
            sop_instance_uid=result_uid(SECRET, 1, "review"),
            series_instance_uid=result_uid(SECRET, "s"),
            predecessor=first,
        )
    )

    assert report.VerificationFlag == "VERIFIED"
    predecessor = report.PredecessorDocumentsSequence[0].ReferencedSeriesSequence[0]
    assert predecessor.ReferencedSOPSequence[0].ReferencedSOPInstanceUID == first.SOPInstanceUID


def test_an_instance_not_analysed_gets_a_report_saying_why():
    finding = Finding("not_analysed", "v1", reason="The transfer syntax cannot be decoded.")
    report = read_back(
        structured_report(
            source(),
            finding,
            sop_instance_uid=result_uid(SECRET, "x"),
            series_instance_uid=result_uid(SECRET, "s"),
        )
    )

    assert "The transfer syntax cannot be decoded." in texts(report)
    assert not any("MeasuredValueSequence" in item for item in report.ContentSequence)


def test_the_secondary_capture_carries_the_annotated_picture():
    header = source()
    finding = Finding("pneumonia", "v1", score=91.5, cutoff=84.2)
    pixels = annotated(Image.new("L", (128, 96), 80), Image.new("RGB", (64, 48), "red"), finding)
    capture = read_back(
        secondary_capture(
            header,
            pixels,
            finding,
            sop_instance_uid=result_uid(SECRET, 1, "sc"),
            series_instance_uid=result_uid(SECRET, "sc-series"),
        )
    )

    assert capture.StudyInstanceUID == header.StudyInstanceUID
    assert (capture.Rows, capture.Columns, capture.SamplesPerPixel) == (96, 128, 3)
    assert capture.pixel_array[60, 60].tolist() == [255, 0, 0]  # the heatmap under the text
    assert capture.pixel_array[2, 100].tolist() == [0, 0, 0]  # the verdict's band


def test_result_uids_repeat_for_the_same_result_only():
    assert result_uid(SECRET, 5, "sr") == result_uid(SECRET, 5, "sr")
    assert result_uid(SECRET, 5, "sr") != result_uid(SECRET, 6, "sr")
    assert result_uid(SECRET, 5, "sr") != result_uid(b"other" * 8, 5, "sr")
