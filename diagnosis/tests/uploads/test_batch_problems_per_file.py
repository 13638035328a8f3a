"""A batch: every per-file problem goes to `rejected` by name, the good files are stored;
the limits are stated before upload and a request past them gets a page saying them."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from diagnosis.models import Scan
from mlcore.testing import xray_png


def batch(count: int, empty_at: int | None = None) -> list[SimpleUploadedFile]:
    return [
        SimpleUploadedFile(f"chest-{index}.png", b"" if index == empty_at else xray_png(seed=index))
        for index in range(count)
    ]


def test_an_empty_file_is_rejected_by_name_and_the_others_stored_api(alice_api, model):
    response = alice_api.post(
        reverse("api:scan-batch"), {"images": batch(5, empty_at=3)}, format="multipart"
    )

    assert response.status_code == 201
    body = response.json()
    assert len(body["scans"]) == 4
    assert body["rejected"] == [{"filename": "chest-3.png", "detail": "The file is empty."}]


def test_an_empty_file_is_named_on_the_page_and_the_others_stored(alice_client, model):
    response = alice_client.post(reverse("diagnosis:upload"), {"image": batch(5, empty_at=3)})

    assert response.status_code == 302
    assert Scan.objects.count() == 4
    page = alice_client.get(response["Location"]).content.decode()
    assert "chest-3.png was not analysed: The file is empty." in page


def test_a_batch_lands_on_its_own_results_marked_new(alice_client, alice, model, make_scan):
    older = make_scan(alice, name="older.png", seed=9)
    response = alice_client.post(reverse("diagnosis:upload"), {"image": batch(2)})

    ids = sorted(Scan.objects.exclude(pk=older.pk).values_list("pk", flat=True))
    assert response["Location"].startswith(reverse("diagnosis:scan-history") + "?batch=")
    own = alice_client.get(response["Location"]).content.decode()
    assert "The results of this upload" in own
    assert "chest-0.png" in own and "chest-1.png" in own and "older.png" not in own
    history = alice_client.get(reverse("diagnosis:scan-history")).content.decode()
    assert history.count('class="new-scan"') == len(ids) == 2
    assert "older.png" in history


def test_the_form_states_the_limits_before_upload(alice_client, model, settings):
    settings.PNEUMO_MAX_BATCH_FILES = 32
    settings.PNEUMO_MAX_UPLOAD_BYTES = 25_000_000
    settings.PNEUMO_MAX_BATCH_BYTES = 200_000_000
    page = alice_client.get(reverse("diagnosis:upload")).content.decode()

    assert "Up to 32 files at once, 25 MB each and 200 MB in all." in page
    assert 'data-max-files="32"' in page


def test_too_many_files_for_the_parser_get_a_page_saying_the_limit(alice_client, model, settings):
    settings.PNEUMO_MAX_BATCH_FILES = settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    response = alice_client.post(reverse("diagnosis:upload"), {"image": batch(3)})

    assert response.status_code == 400
    page = response.content.decode()
    assert "At most 2 files can be analysed at once" in page
    assert 'href="/scans/"' in page  # the site's layout, with a way back
    assert not Scan.objects.exists()


def test_too_many_files_for_the_parser_api(alice_api, model, settings):
    settings.PNEUMO_MAX_BATCH_FILES = settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    response = alice_api.post(reverse("api:scan-batch"), {"images": batch(3)}, format="multipart")

    assert response.status_code == 400
    assert "At most 2 files can be analysed at once" in response.json()["detail"]
