"""A clinician's review of a scan the PACS sent queues a verified SR, with the review."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from diagnosis.errors import ReviewRejected
from diagnosis.services import scan_review, scan_review_clear, scan_upload
from mlcore.tests.dicom_files import dicom_bytes
from pacs.delivery import references_clear
from pacs.models import Delivery, ReceivedInstance
from pacs.services import instance_receive


@pytest.fixture
def received(integration, model):
    integration.PNEUMO_DICOM_DESTINATION = "ORTHANC@127.0.0.1:4242"
    return instance_receive(dicom_bytes(), source="dicom", calling_ae="MODALITY").scan


@pytest.fixture
def reviewer(db):
    return get_user_model().objects.create_user("dr-li", password="x-pass-1", is_staff=True)


def test_a_review_queues_a_verified_report(received, reviewer):
    scan_review(scan=received, reviewer=reviewer, finding="pneumonia")

    kinds = list(Delivery.objects.order_by("pk").values_list("kind", "state"))
    assert kinds == [("result", "queued"), ("review", "queued")]


def test_a_cleared_review_sends_nothing(received, reviewer):
    scan_review(scan=received, reviewer=reviewer, finding="normal")
    scan_review_clear(scan=received, reviewer=reviewer)

    assert Delivery.objects.filter(kind="review").count() == 1


def test_a_refused_review_queues_nothing(received, reviewer):
    with pytest.raises(ReviewRejected):
        scan_review(scan=received, reviewer=reviewer, finding="maybe")

    assert not Delivery.objects.filter(kind="review").exists()


def test_a_review_of_an_uploaded_scan_sends_nothing(integration, model, reviewer, alice):
    integration.PNEUMO_DICOM_DESTINATION = "ORTHANC@127.0.0.1:4242"
    upload = SimpleUploadedFile("x.dcm", dicom_bytes(), "application/dicom")
    scan, _ = scan_upload(owner=alice, uploaded_file=upload)
    scan_review(scan=scan, reviewer=reviewer, finding="normal")

    assert not Delivery.objects.exists()


def test_after_the_retention_the_reference_is_gone_and_a_review_sends_nothing(
    received, reviewer, settings
):
    long_ago = timezone.now() - timedelta(days=settings.PNEUMO_INTEGRATION_RETENTION_DAYS + 1)
    assert references_clear() == 0  # its delivery is still queued
    Delivery.objects.update(state="sent", updated_at=long_ago)
    ReceivedInstance.objects.update(last_received_at=long_ago)

    assert references_clear() == 1
    assert ReceivedInstance.objects.get().reference == ""
    scan_review(scan=received, reviewer=reviewer, finding="normal")
    assert not Delivery.objects.filter(kind="review").exists()
