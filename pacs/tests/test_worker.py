"""The delivery worker: a delivery is claimed for a lease and sent outside any transaction,
so two workers (threads or processes) never send one at once and a dead one lets it go."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pydicom
import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from mlcore.tests.dicom_files import dicom_bytes
from pacs.delivery import delivery_attempt, lease
from pacs.models import Delivery
from pacs.services import instance_receive
from pacs.tasks import CAPTURES, REPORTS
from pacs.tests.conftest import (
    dicom_files,
    needs_dcmtk,
    needs_orthanc,
    recognised_pixels,
    send_to_pacs,
    storescu,
)
from pacs.worker import queues_of, usable_threads


@pytest.fixture
def queued(integration, model) -> Delivery:
    integration.PNEUMO_DICOM_DESTINATION = "ORTHANC@127.0.0.1:9"  # nothing listens there
    instance_receive(dicom_bytes(), source="dicom", calling_ae="MODALITY")
    return Delivery.objects.get()


def test_a_delivery_another_worker_holds_is_left_to_it_and_looked_at_when_its_lease_ends(queued):
    held_until = timezone.now() + timedelta(minutes=5)
    Delivery.objects.filter(pk=queued.pk).update(claimed_until=held_until)
    DBTaskResult.objects.all().delete()

    assert delivery_attempt(queued.pk) == "being sent by another worker"

    queued.refresh_from_db()
    assert (queued.state, queued.attempts) == ("queued", 0)
    (task,) = DBTaskResult.objects.all()
    assert task.args_kwargs["args"] == [queued.pk] and task.run_after == held_until


def test_a_lease_that_ran_out_is_taken_over(queued):
    Delivery.objects.filter(pk=queued.pk).update(
        claimed_until=timezone.now() - timedelta(seconds=1), attempts=1
    )

    assert delivery_attempt(queued.pk) == "retrying"  # tried again (the PACS is not there)

    queued.refresh_from_db()
    assert (queued.state, queued.attempts, queued.claimed_until) == ("queued", 2, None)
    assert "refused or did not answer" in queued.last_error


def test_a_claim_lasts_past_the_slowest_send(settings):
    settings.PNEUMO_DICOM_TIMEOUT, settings.PNEUMO_PREDICT_TIMEOUT = 30, 10
    assert lease() >= timedelta(seconds=8 * 30 + 2 * 10)


def test_sent_and_not_due_deliveries_are_not_claimed(queued):
    Delivery.objects.filter(pk=queued.pk).update(
        next_attempt_at=timezone.now() + timedelta(minutes=1)
    )
    assert delivery_attempt(queued.pk) == "not due yet"
    Delivery.objects.filter(pk=queued.pk).update(state="sent", next_attempt_at=None)
    assert delivery_attempt(queued.pk) == "nothing to send"
    assert Delivery.objects.get().attempts == 0


@needs_dcmtk
@needs_orthanc
@pytest.mark.slow
def test_threads_send_every_result_once(pacs, listener, model, tmp_path):
    paths = dicom_files(tmp_path, 6, pixels=recognised_pixels())
    send_to_pacs(pacs, paths)
    assert storescu(listener, *paths).returncode == 0

    call_command("dicom_worker", batch=True, threads=3, verbosity=0)

    sent = Counter(Delivery.objects.values_list("kind", "state", "attempts"))
    assert sent == {("result", "sent", 1): 6, ("capture", "sent", 1): 6}
    studies = sorted(pydicom.dcmread(p, stop_before_pixels=True).StudyInstanceUID for p in paths)
    ours = [tags for tags in pacs.instances() if tags.get("Manufacturer") == "PneumoScan"]
    for modality in ("SR", "OT"):  # one report and one capture each, in its own study
        found = [tags["StudyInstanceUID"] for tags in ours if tags["Modality"] == modality]
        assert sorted(found) == studies, modality


def test_the_findings_go_before_the_pictures(integration, model):
    integration.PNEUMO_DICOM_DESTINATION = "ORTHANC@127.0.0.1:9"
    instance_receive(dicom_bytes(pixels=recognised_pixels()), source="dicom", calling_ae="M")

    queued = {
        kind: DBTaskResult.objects.get(args_kwargs__args=[pk]).priority
        for pk, kind in Delivery.objects.values_list("pk", "kind")
    }
    assert queued["result"] > queued["capture"]
    ready = DBTaskResult.objects.ready()  # in the order the workers take them
    assert [Delivery.objects.get(pk=t.args_kwargs["args"][0]).kind for t in ready] == [
        "result",
        "capture",
    ]


def test_threads_are_used_unless_the_database_is_in_memory(db):
    in_memory = connection.vendor == "sqlite" and connection.is_in_memory_db()
    assert usable_threads(4) == (1 if in_memory else 4)
    assert usable_threads(0) == 1


@pytest.mark.parametrize(
    ("threads", "capturing", "reports_only"), [(1, 1, 0), (2, 1, 1), (4, 2, 2), (5, 2, 3)]
)
def test_some_threads_never_wait_on_a_heatmap(threads, capturing, reports_only):
    queues = queues_of(threads)

    assert len(queues) == threads
    assert sum(CAPTURES in q for q in queues) == capturing
    assert sum(q == [REPORTS] for q in queues) == reports_only
    assert all(q[0] == REPORTS for q in queues)  # a report first, whichever thread is free
