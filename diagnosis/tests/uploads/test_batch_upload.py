from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from diagnosis.models import Scan
from diagnosis.tests.conftest import stored_files
from mlcore.model.inference import Predictor
from mlcore.testing import xray_png


def files(count: int, bad: int = 0) -> list[SimpleUploadedFile]:
    good = [
        SimpleUploadedFile(f"chest-{index}.png", xray_png(seed=index), "image/png")
        for index in range(count)
    ]
    return good + [
        SimpleUploadedFile(f"bad-{i}.png", b"not an image", "image/png") for i in range(bad)
    ]


def test_form_takes_several_files_in_one_forward_pass(alice_client, model, settings):
    with mock.patch.object(
        Predictor, "predict_arrays", autospec=True, side_effect=Predictor.predict_arrays
    ) as spy:
        response = alice_client.post(reverse("diagnosis:upload"), {"image": files(3, bad=1)})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("diagnosis:scan-history") + "?batch=")
    assert Scan.objects.count() == 3
    assert spy.call_count == 1
    assert len(spy.call_args.args[1]) == 3
    assert len(stored_files(settings.MEDIA_ROOT)) == 6
    page = alice_client.get(response["Location"]).content.decode()
    assert "Analysed 3 of 4 files." in page
    assert "bad-0.png was not analysed" in page


def test_api_batch_reports_each_file(alice_api, model):
    response = alice_api.post(
        reverse("api:scan-batch"), {"images": files(2, bad=1)}, format="multipart"
    )

    assert response.status_code == 201
    body = response.json()
    assert [scan["original_filename"] for scan in body["scans"]] == ["chest-0.png", "chest-1.png"]
    assert body["rejected"][0]["filename"] == "bad-0.png"
    assert "not a readable" in body["rejected"][0]["detail"]


def test_api_batch_with_only_bad_files_is_400(alice_api, model):
    response = alice_api.post(
        reverse("api:scan-batch"), {"images": files(0, bad=2)}, format="multipart"
    )

    assert response.status_code == 400
    assert len(response.json()["rejected"]) == 2
    assert not Scan.objects.exists()


def test_too_many_files_is_a_clear_400(alice_api, model, settings):
    settings.PNEUMO_MAX_BATCH_FILES = 2
    response = alice_api.post(reverse("api:scan-batch"), {"images": files(3)}, format="multipart")

    assert response.status_code == 400
    assert "at most 2" in response.json()["detail"]
    assert not Scan.objects.exists()


def test_per_file_size_limit_names_the_file(alice_api, model, settings):
    settings.PNEUMO_MAX_UPLOAD_BYTES = len(xray_png(seed=0)) + 100
    big = SimpleUploadedFile("big.png", xray_png(size=256, seed=3), "image/png")
    response = alice_api.post(
        reverse("api:scan-batch"), {"images": [*files(1), big]}, format="multipart"
    )

    body = response.json()
    assert response.status_code == 201
    assert body["rejected"][0]["filename"] == "big.png"
    assert "limit" in body["rejected"][0]["detail"]
