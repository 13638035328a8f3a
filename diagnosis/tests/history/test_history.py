import pytest
from django.urls import reverse

from diagnosis.models import Scan

HISTORY = reverse("diagnosis:scan-history")


@pytest.fixture
def many_scans(alice, make_scan):
    first = make_scan(alice, name="first.png", opaque=True)
    Scan.objects.bulk_create(
        Scan(
            owner=alice,
            original_filename=f"bulk-{index}.png",
            image=first.image.name,
            thumbnail=first.thumbnail.name,
            image_width=96,
            image_height=96,
            predicted_class="pneumonia" if index % 3 == 0 else "normal",
            pneumonia_probability=0.9 if index % 3 == 0 else 0.1,
            threshold=0.5,
            model_version="v",
            inference_ms=1.0,
        )
        for index in range(29)
    )
    return Scan.objects.filter(owner=alice)


def test_history_is_newest_first_and_paginated_by_25(alice_client, many_scans):
    first_page = alice_client.get(HISTORY)
    second_page = alice_client.get(HISTORY, {"page": 2})

    listed = list(first_page.context["page"].object_list)
    assert len(listed) == 25
    assert [s.pk for s in listed] == sorted((s.pk for s in listed), reverse=True)
    assert len(second_page.context["page"].object_list) == 5
    assert "Page 1 of 2 (30 in all)" in first_page.content.decode()


def test_history_filters_by_result(alice_client, many_scans):
    response = alice_client.get(HISTORY, {"predicted_class": "pneumonia"})

    listed = list(response.context["page"].object_list)
    assert listed
    assert {scan.predicted_class for scan in listed} == {"pneumonia"}
    assert len(listed) == many_scans.filter(predicted_class="pneumonia").count()


def test_history_shows_thumbnail_result_and_file_name(alice_client, alice, make_scan):
    scan = make_scan(alice, name="ward-3.png")

    text = alice_client.get(HISTORY).content.decode()

    assert "ward-3.png" in text
    assert reverse("diagnosis:scan-file", kwargs={"pk": scan.pk, "kind": "thumbnail"}) in text
    assert scan.get_predicted_class_display() in text


def test_empty_history_invites_an_upload(alice_client):
    assert "No scans" in alice_client.get(HISTORY).content.decode()
