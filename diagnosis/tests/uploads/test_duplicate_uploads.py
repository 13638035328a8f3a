"""A re-upload of content the owner already has is reported (`duplicate_of` in the API, a
note on the page) and not analysed again unless asked (?reanalyse=1, the form's box)."""

from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from diagnosis.models import Scan
from mlcore.model.inference import Predictor
from mlcore.testing import xray_png


def image(name: str = "chest.png", seed: int = 0) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, xray_png(seed=seed), "image/png")


def spy():
    return mock.patch.object(
        Predictor, "predict_arrays", autospec=True, side_effect=Predictor.predict_arrays
    )


def test_api_reupload_is_reported_and_not_analysed(alice_api, model):
    first = alice_api.post(reverse("api:scan-list"), {"image": image()}, format="multipart")
    with spy() as predict:
        again = alice_api.post(reverse("api:scan-list"), {"image": image()}, format="multipart")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["duplicate_of"] == first.json()["id"] == again.json()["id"]
    assert predict.call_count == 0
    assert Scan.objects.count() == 1


def test_api_reanalyse_runs_the_model_and_stores_a_new_scan(alice_api, model):
    alice_api.post(reverse("api:scan-list"), {"image": image()}, format="multipart")
    url = reverse("api:scan-list") + "?reanalyse=1"
    again = alice_api.post(url, {"image": image()}, format="multipart")

    assert again.status_code == 201
    assert "duplicate_of" not in again.json()
    assert Scan.objects.count() == 2


def test_batch_three_times_keeps_one_copy_each(alice_api, model):
    url = reverse("api:scan-batch")
    for _ in range(3):
        body = alice_api.post(
            url, {"images": [image(f"c{i}.png", seed=i) for i in range(4)]}, format="multipart"
        ).json()

    assert Scan.objects.count() == 4
    assert body["scans"] == []
    assert sorted(d["duplicate_of"] for d in body["duplicates"]) == sorted(
        Scan.objects.values_list("pk", flat=True)
    )
    assert [d["filename"] for d in body["duplicates"]] == [f"c{i}.png" for i in range(4)]


def test_the_same_file_twice_in_one_batch_is_stored_once(alice_api, model):
    response = alice_api.post(
        reverse("api:scan-batch"), {"images": [image("a.png"), image("b.png")]}, format="multipart"
    )

    body = response.json()
    assert response.status_code == 201
    assert len(body["scans"]) == 1
    assert body["duplicates"] == [{"filename": "b.png", "duplicate_of": body["scans"][0]["id"]}]


def test_another_owners_identical_upload_is_not_a_duplicate(alice_api, bob, make_scan, model):
    make_scan(bob)
    response = alice_api.post(reverse("api:scan-list"), {"image": image()}, format="multipart")

    assert response.status_code == 201
    assert Scan.objects.count() == 2


def test_legacy_endpoint_reports_the_duplicate(alice_api, model):
    first = alice_api.post("/pneumonia/predict", {"image_file": image()}, format="multipart")
    again = alice_api.post("/pneumonia/predict", {"image_file": image()}, format="multipart")

    assert again.json()["duplicate_of"] == first.json()["id"]
    assert again.json()["predicted_class"] == first.json()["predicted_class"]


def test_page_notes_the_duplicate_and_shows_the_earlier_result(alice_client, model):
    first = alice_client.post(reverse("diagnosis:upload"), {"image": image()})
    again = alice_client.post(reverse("diagnosis:upload"), {"image": image()}, follow=True)

    assert again.redirect_chain[-1][0] == first["Location"]
    assert "chest.png was uploaded before" in again.content.decode()
    assert Scan.objects.count() == 1


def test_page_box_analyses_again(alice_client, model):
    alice_client.post(reverse("diagnosis:upload"), {"image": image()})
    alice_client.post(reverse("diagnosis:upload"), {"image": image(), "reanalyse": "on"})

    assert Scan.objects.count() == 2
