"""The PACS routes for us, as a hospital sets it up: a Lua rule in Orthanc forwards what
the modalities send to the listener. The modality sends to the PACS only; the results come
back into the study, and are not forwarded to us again (or, forwarded by a careless rule,
are acknowledged and never analysed: no loop)."""

from __future__ import annotations

import io
import logging

import pydicom
import pytest
from django.core.management import call_command
from pydicom.uid import ComprehensiveSRStorage, SecondaryCaptureImageStorage

from diagnosis.models import Scan
from pacs.models import Delivery, ReceivedInstance
from pacs.tests.conftest import (
    dicom_files,
    eventually,
    needs_dcmtk,
    needs_orthanc,
    recognised_pixels,
    send_to_pacs,
)

pytestmark = [needs_dcmtk, needs_orthanc, pytest.mark.slow]

# The rules print what they decided (Orthanc logs "Lua says: ..."). SendToModality only
# queues the sending: the test waits for the listener's own log line to know it arrived,
# and for the rule's "kept" lines to know a result will not come (no database polling:
# the listener thread writes to the same in-memory SQLite database).
FORWARD_BUT_OUR_RESULTS = """
function OnStoredInstance(instanceId, tags, metadata, origin)
  if origin['RequestOrigin'] == 'DicomProtocol' and origin['RemoteAet'] == 'PNEUMOSCAN' then
    print('routing: kept ' .. instanceId)
  else
    SendToModality(instanceId, 'pneumoscan')
    print('routing: forwarded ' .. instanceId)
  end
end
"""
# A study-level rule that sends the whole study on once it is stable (StableAge: 1 s),
# results included: the source again, and our own SR and Secondary Capture.
FORWARD_STABLE_STUDIES = """
function OnStableStudy(studyId, tags, metadata)
  RestApiPost('/modalities/pneumoscan/store', studyId)
  print('routing: forwarded ' .. studyId)
end
"""


def decisions(orthanc) -> list[tuple[str, str]]:
    """What the routing rule did so far, in order: (kept or forwarded, Orthanc ID)."""
    done = []
    for line in orthanc.log.read_text(errors="replace").splitlines():
        if "routing: " in line:
            decision, orthanc_id = line.split("routing: ", 1)[1].split()[:2]
            done.append((decision, orthanc_id))
    return done


def stored(orthanc) -> dict[str, pydicom.Dataset]:
    """Every instance Orthanc holds, by its Orthanc ID."""
    return {
        orthanc_id: pydicom.dcmread(io.BytesIO(orthanc.file(orthanc_id)))
        for orthanc_id in orthanc.get("/instances")
    }


def content(report: pydicom.Dataset, code: str) -> pydicom.Dataset:
    (item,) = [
        item for item in report.ContentSequence if item.ConceptNameCodeSequence[0].CodeValue == code
    ]
    return item


def listener_said(caplog, text: str) -> int:
    """How many of the listener's log lines (pacs.services, written once the instance's
    rows are committed) contain ``text``."""
    return sum(text in record.getMessage() for record in caplog.records)


def modality_sends_and_worker_delivers(pacs, tmp_path, caplog) -> tuple[pydicom.Dataset, Scan]:
    """A modality sends one chest X-ray to the PACS alone; the rule forwards it to us;
    the worker sends the results back. The source header, and its scan."""
    caplog.set_level(logging.INFO, logger="pacs.services")
    (path,) = dicom_files(tmp_path / "modality", 1, pixels=recognised_pixels())
    source = pydicom.dcmread(path, stop_before_pixels=True)
    send_to_pacs(pacs, [path])
    eventually(lambda: listener_said(caplog, "from ORTHANC: analysed"))
    call_command("dicom_worker", batch=True, verbosity=0)
    sent = sorted(Delivery.objects.values_list("kind", "state", "attempts"))
    assert sent == [("capture", "sent", 1), ("result", "sent", 1)], Delivery.objects.first()
    return source, Scan.objects.get()


@pytest.mark.parametrize("pacs_lua", [FORWARD_BUT_OUR_RESULTS])
def test_what_the_pacs_forwards_is_analysed_and_the_results_stay_there(
    listener, pacs, model, tmp_path, caplog
):
    source, scan = modality_sends_and_worker_delivers(pacs, tmp_path, caplog)

    assert (scan.source, scan.source_ae) == ("dicom", "ORTHANC")  # from the PACS, not the modality
    assert scan.is_recognised, "the tiny model should recognise a generated chest X-ray"
    received = ReceivedInstance.objects.get()
    assert (received.scan, received.outcome, received.calling_ae) == (scan, "analysed", "ORTHANC")
    held = stored(pacs)
    assert len(held) == 3  # the source, the SR, the Secondary Capture
    eventually(lambda: len(decisions(pacs)) == 3)  # the rule has seen both results
    done = {orthanc_id: decision for decision, orthanc_id in decisions(pacs)}
    results = {
        str(dataset.SOPClassUID): dataset
        for orthanc_id, dataset in held.items()
        if done[orthanc_id] == "kept"
        and dataset.Manufacturer == "PneumoScan"
        and dataset.StudyInstanceUID == source.StudyInstanceUID
    }
    assert set(results) == {ComprehensiveSRStorage, SecondaryCaptureImageStorage}
    report = results[ComprehensiveSRStorage]
    finding = content(report, "121071").ConceptCodeSequence[0].CodeMeaning  # DCM Finding
    assert finding.lower() == scan.predicted_class
    score = content(report, "SCORE").MeasuredValueSequence[0].NumericValue
    assert float(score) == pytest.approx(scan.score, abs=0.01)
    assert report.PatientID == source.PatientID
    # The rule kept both results: nothing more reached the listener.
    assert ReceivedInstance.objects.count() == 1
    assert Scan.objects.count() == 1
    assert Delivery.objects.count() == 2  # the SR's and the capture's


@pytest.mark.parametrize("pacs_lua", [FORWARD_STABLE_STUDIES])
def test_results_a_study_router_sends_back_are_acknowledged_and_not_analysed(
    listener, pacs, model, tmp_path, caplog
):
    modality_sends_and_worker_delivers(pacs, tmp_path, caplog)

    # Stable again with the results in it, the study goes to the listener once more.
    eventually(lambda: listener_said(caplog, "Skipped instance") == 2)
    eventually(lambda: listener_said(caplog, "received again") == 1)
    outcomes = sorted(ReceivedInstance.objects.values_list("outcome", "reason", "times_received"))
    assert outcomes == [
        ("analysed", "", 2),  # the source again: recognised, not analysed twice
        ("skipped", "one of our own result objects", 1),
        ("skipped", "one of our own result objects", 1),
    ]
    assert Scan.objects.count() == 1
    assert Delivery.objects.count() == 2  # nothing new to send: no loop
    assert len(pacs.get("/instances")) == 3
