from django.urls import reverse

from mlcore.testing import TINY_VERSION


def test_model_card_page_shows_version_threshold_metrics_and_limits(alice_client, model):
    text = alice_client.get(reverse("diagnosis:model-card")).content.decode()

    assert TINY_VERSION in text
    assert "fixed at 0.5 for tests" in text
    assert "Validation (carved from train/ by patient)" in text
    assert "pediatric patients aged 1 to 5 years" in text
    assert "not a diagnosis" in text.lower()


def test_model_card_api(alice_api, model):
    body = alice_api.get(reverse("api:model")).json()

    assert body["version"] == TINY_VERSION
    assert body["threshold"] == 0.5
    assert body["metrics"][0]["roc_auc"] == 1.0
    assert body["out_of_distribution"]["threshold"] > 0


def test_model_card_without_model(alice_client, alice_api):
    assert (
        "No model is installed"
        in alice_client.get(reverse("diagnosis:model-card")).content.decode()
    )
    assert alice_api.get(reverse("api:model")).status_code == 503


def test_plots_are_served_only_by_known_name(alice_client, model):
    (model / "roc.png").write_bytes(b"\x89PNG fake for the test")
    try:
        assert alice_client.get(reverse("diagnosis:model-plot", args=["roc"])).status_code == 200
        assert alice_client.get("/model/model_card.png").status_code == 404
    finally:
        (model / "roc.png").unlink()


def test_scan_judged_by_a_model_no_longer_here_says_so(alice_client, alice, make_scan):
    scan = make_scan(alice)
    scan.model_version = "2025-01-01-old"
    scan.save()

    text = alice_client.get(scan.get_absolute_url()).content.decode()

    assert "a model not installed on this machine" in text
    assert "2025-01-01-old" in text
