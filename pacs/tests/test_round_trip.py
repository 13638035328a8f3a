"""The whole trip with real parts: a modality sends to the PACS (Orthanc) and to us, the
worker sends the SR and the Secondary Capture back, and Orthanc files them in the study."""

from __future__ import annotations

import io

import pydicom
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone
from pydicom.uid import SecondaryCaptureImageStorage

from diagnosis.models import Scan
from pacs.models import Delivery
from pacs.tests.conftest import (
    dicom_files,
    eventually,
    needs_dcmtk,
    needs_orthanc,
    recognised_pixels,
    send_to_pacs,
    start_orthanc,
    stop_orthanc,
    storescu,
)

pytestmark = [needs_dcmtk, needs_orthanc, pytest.mark.slow]


def results_in(orthanc, study_uid: str) -> dict[str, pydicom.Dataset]:
    found = {}
    for orthanc_id in orthanc.get("/instances"):
        dataset = pydicom.dcmread(io.BytesIO(orthanc.file(orthanc_id)))
        if dataset.StudyInstanceUID == study_uid and dataset.get("Manufacturer") == "PneumoScan":
            found[dataset.Modality] = dataset
    return found


def test_the_sr_and_the_capture_land_in_the_source_study(pacs, listener, model, tmp_path):
    (path,) = dicom_files(tmp_path, 1, pixels=recognised_pixels())
    source = pydicom.dcmread(path, stop_before_pixels=True)
    send_to_pacs(pacs, [path])
    assert storescu(listener, path).returncode == 0

    call_command("dicom_worker", batch=True, verbosity=0)

    sent = sorted(Delivery.objects.values_list("kind", "state", "attempts", "last_error"))
    assert sent == [("capture", "sent", 1, ""), ("result", "sent", 1, "")]
    objects = results_in(pacs, source.StudyInstanceUID)
    assert set(objects) == {"SR", "OT"}  # the report, and the capture with the heatmap
    report = objects["SR"]
    evidence = report.CurrentRequestedProcedureEvidenceSequence[0].ReferencedSeriesSequence[0]
    assert evidence.ReferencedSOPSequence[0].ReferencedSOPInstanceUID == source.SOPInstanceUID
    assert report.PatientID == source.PatientID  # from the PACS's header, not from us
    assert report.VerificationFlag == "UNVERIFIED"
    scan = Scan.objects.get()
    assert scan.is_recognised, "the tiny model should recognise a generated chest X-ray"
    finding = report.ContentSequence[0].ConceptCodeSequence[0].CodeMeaning
    assert finding.lower() == scan.predicted_class
    capture = objects["OT"]
    assert capture.SOPClassUID == SecondaryCaptureImageStorage
    assert capture.SeriesInstanceUID not in (source.SeriesInstanceUID, report.SeriesInstanceUID)
    assert capture.Rows > 0 and capture.SamplesPerPixel == 3  # the heatmap in colour


def test_a_pacs_that_is_down_gets_the_result_once_it_is_back(
    pacs, listener, model, tmp_path, settings
):
    settings.PNEUMO_DELIVERY_BACKOFF_SECONDS = 1
    (path,) = dicom_files(tmp_path, 1)
    source = pydicom.dcmread(path, stop_before_pixels=True)
    send_to_pacs(pacs, [path])
    storescu(listener, path)
    stop_orthanc(pacs)

    call_command("dicom_worker", batch=True, verbosity=0)
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts) == ("queued", 1)
    assert "refused or did not answer" in delivery.last_error

    back = start_orthanc(tmp_path / "orthanc", pacs.http_port, pacs.dicom_port, listener)
    try:  # the same storage: the source is still there
        # Orthanc may be back within the backoff (1 s): wait until the retry is due.
        eventually(lambda: timezone.now() > delivery.next_attempt_at, seconds=10, every=0.05)
        call_command("dicom_worker", batch=True, verbosity=0)
        call_command("dicom_worker", batch=True, verbosity=0)  # a restart re-queues: no-op
        delivery.refresh_from_db()
        assert (delivery.state, delivery.attempts) == ("sent", 2), delivery.last_error
        reports = [
            uid
            for uid in back.get("/instances")
            if back.get(f"/instances/{uid}/simplified-tags").get("Modality") == "SR"
        ]
        assert len(reports) == 1
        assert "SR" in results_in(back, source.StudyInstanceUID)
    finally:
        stop_orthanc(back)


def test_a_review_goes_back_as_a_verified_report_naming_its_predecessor(
    pacs, listener, model, tmp_path
):
    from diagnosis.services import scan_review

    (path,) = dicom_files(tmp_path, 1)
    source = pydicom.dcmread(path, stop_before_pixels=True)
    send_to_pacs(pacs, [path])
    storescu(listener, path)
    call_command("dicom_worker", batch=True, verbosity=0)
    first = results_in(pacs, source.StudyInstanceUID)["SR"]
    reviewer = get_user_model().objects.create_user(
        "dr-li", password="pw-1", is_staff=True, first_name="Wei", last_name="Li"
    )

    scan_review(scan=Scan.objects.get(), reviewer=reviewer, finding="pneumonia")
    call_command("dicom_worker", batch=True, verbosity=0)

    reports = [
        dataset
        for dataset in map(pydicom.dcmread, map(io.BytesIO, map(pacs.file, pacs.get("/instances"))))
        if dataset.Modality == "SR"
    ]
    (verified,) = [report for report in reports if report.VerificationFlag == "VERIFIED"]
    assert verified.StudyInstanceUID == source.StudyInstanceUID
    assert verified.VerifyingObserverSequence[0].VerifyingObserverName == "Li^Wei"
    predecessor = verified.PredecessorDocumentsSequence[0].ReferencedSeriesSequence[0]
    assert predecessor.ReferencedSOPSequence[0].ReferencedSOPInstanceUID == first.SOPInstanceUID
    finding = verified.ContentSequence[0].ConceptCodeSequence[0].CodeMeaning
    assert finding.lower() == "pneumonia"
    assert len(reports) == 2


def test_results_can_go_back_over_dicomweb(pacs, listener, model, tmp_path, settings):
    settings.PNEUMO_DICOM_DESTINATION = ""
    settings.PNEUMO_DICOMWEB_DESTINATION = f"http://127.0.0.1:{pacs.http_port}/dicom-web/"
    (path,) = dicom_files(tmp_path, 1)
    source = pydicom.dcmread(path, stop_before_pixels=True)
    send_to_pacs(pacs, [path])
    storescu(listener, path)

    call_command("dicom_worker", batch=True, verbosity=0)

    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts) == ("sent", 1), delivery.last_error
    report = results_in(pacs, source.StudyInstanceUID)["SR"]
    assert report.PatientID == source.PatientID
    assert report.SeriesInstanceUID != source.SeriesInstanceUID
