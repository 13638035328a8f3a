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


def upload_noise(client) -> Scan:
    upload = SimpleUploadedFile("noise.png", image_bytes(NOT_XRAYS["noise"]), "image/png")
    client.post(reverse("diagnosis:upload"), {"image": upload})
    return Scan.objects.get()


def test_a_reviewer_gets_the_models_verdict_despite_the_gate(
    alice_client, alice_api, reviewer, model
):
    scan = upload_noise(alice_client)
    assert 'id="override-gate-form"' in alice_client.get(scan.get_absolute_url()).content.decode()

    override = reverse("diagnosis:scan-override-gate", kwargs={"pk": scan.pk})
    response = alice_client.post(override, follow=True)

    scan.refresh_from_db()
    assert scan.is_recognised and scan.predicted_class in ("normal", "pneumonia")
    assert scan.gate_overridden_by == reviewer and scan.is_gate_overridden
    assert "Given despite the gate" in response.content.decode()
    body = alice_api.get(reverse("api:scan-detail", kwargs={"pk": scan.pk})).json()
    assert body["status"] == "predicted" and body["gate_overridden"] is True
    assert alice_client.post(override).status_code == 400  # a verdict once is enough


def test_only_reviewers_override_the_gate(alice_client, model):
    scan = upload_noise(alice_client)
    assert (
        'id="override-gate-form"' not in alice_client.get(scan.get_absolute_url()).content.decode()
    )

    override = reverse("diagnosis:scan-override-gate", kwargs={"pk": scan.pk})
    assert alice_client.post(override).status_code == 403

    scan.refresh_from_db()
    assert not scan.is_recognised and not scan.is_gate_overridden
