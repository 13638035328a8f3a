import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from diagnosis.models import Scan
from mlcore.testing import image_bytes, not_xray_images, xray_png

NOT_XRAYS = not_xray_images()


@pytest.mark.parametrize("kind", NOT_XRAYS)
def test_non_xrays_are_stored_without_a_verdict(alice_api, model, kind):
    upload = SimpleUploadedFile(f"{kind}.png", image_bytes(NOT_XRAYS[kind]), "image/png")
    response = alice_api.post(reverse("api:scan-list"), {"image": upload}, format="multipart")

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "not_recognised"
    assert body["predicted_class"] is None
    assert body["pneumonia_probability"] is None
    assert body["heatmap_url"] is None
    assert body["ood_score"] > 0


def test_generated_xrays_pass_the_gate(alice_api, model):
    for seed in range(2000, 2012):
        upload = SimpleUploadedFile("x.png", xray_png(seed=seed, opaque=seed % 2 == 0), "image/png")
        body = alice_api.post(
            reverse("api:scan-list"), {"image": upload}, format="multipart"
        ).json()
        assert body["status"] == "predicted", seed


def test_detail_page_explains_the_missing_verdict(alice_client, model):
    upload = SimpleUploadedFile("noise.png", image_bytes(NOT_XRAYS["noise"]), "image/png")
    alice_client.post(reverse("diagnosis:upload"), {"image": upload})
    scan = Scan.objects.get()

    text = alice_client.get(scan.get_absolute_url()).content.decode()
    assert "not recognised as a frontal chest X-ray" in text
    assert 'id="show-heatmap"' not in text
    heatmap = reverse("diagnosis:scan-file", kwargs={"pk": scan.pk, "kind": "heatmap"})
    assert alice_client.get(heatmap).status_code == 404
