"""One scale everywhere: score and cut-off 0-100, the band, probabilities to 4 decimals,
on the result page, the history, both exports, the API and the legacy endpoint."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mlcore.testing import TINY_BAND, xray_png


@pytest.fixture
def borderline(alice, make_row):
    return make_row(
        alice, probability=0.4567891, band_low=0.4, band_high=0.6, name="borderline.png"
    )


@pytest.fixture
def clear(alice, make_row):
    return make_row(alice, probability=0.98765432, band_low=0.4, band_high=0.6, name="clear.png")


def expected(probability: float, band: str) -> dict:
    return {
        "pneumonia_probability": round(probability, 4),
        "threshold": 0.5,
        "score": round(probability * 100, 2),
        "cutoff": 50.0,
        "band": band,
        "band_low": 40.0,
        "band_high": 60.0,
    }


def test_api_scan_carries_score_cutoff_and_band(alice_api, borderline, clear):
    for scan, band in ((borderline, "borderline"), (clear, "clear")):
        body = alice_api.get(reverse("api:scan-detail", args=[scan.pk])).json()
        assert {key: body[key] for key in expected(0, "")} == expected(
            scan.pneumonia_probability, band
        )
        assert body["predicted_class"] == "pneumonia"
        assert body["score_is_probability"] is False

    listed = alice_api.get(reverse("api:scan-list")).json()["results"]
    assert {item["band"] for item in listed} == {"borderline", "clear"}


def test_json_and_csv_exports_carry_the_same_fields(alice_api, alice_client, borderline, clear):
    rows = alice_api.get(reverse("api:scan-export")).json()
    by_name = {row["original_filename"]: row for row in rows}
    assert {k: by_name["borderline.png"][k] for k in expected(0, "")} == expected(
        borderline.pneumonia_probability, "borderline"
    )

    response = alice_client.get(reverse("diagnosis:scan-export"))
    text = b"".join(response.streaming_content).decode()
    csv_rows = {row["original_filename"]: row for row in csv.DictReader(io.StringIO(text))}
    row = csv_rows["clear.png"]
    assert (row["score"], row["cutoff"], row["band"]) == ("98.77", "50.0", "clear")
    assert row["pneumonia_probability"] == "0.9877"


def test_history_shows_score_over_cutoff_and_the_band(alice_client, borderline, clear):
    text = alice_client.get(reverse("diagnosis:scan-history")).content.decode()

    assert "<th>Score / cut-off</th>" in text and "<th>Band</th>" in text
    assert "45.7 / 50.0" in text and "98.8 / 50.0" in text
    assert 'class="band-borderline">Borderline<' in text
    assert "Probability" not in text


def test_result_page_shows_one_scale_with_a_bar_and_the_band(alice_client, borderline):
    text = alice_client.get(borderline.get_absolute_url()).content.decode()

    assert 'Score <strong id="score">45.7</strong> / cut-off <strong id="cutoff">50.0</strong>' in (
        text
    )
    assert 'class="scale-bar"' in text and 'class="bar-cutoff" x1="50.00"' in text
    assert "Borderline:" in text and "40.0&ndash;60.0" in text


def test_not_recognised_scan_has_no_score_nor_band(alice_api, alice, make_row):
    scan = make_row(alice, predicted="", band_low=0.4, band_high=0.6)

    body = alice_api.get(reverse("api:scan-detail", args=[scan.pk])).json()

    assert (body["score"], body["band"], body["pneumonia_probability"]) == (None, None, None)
    assert body["cutoff"] == 50.0


def test_legacy_endpoint_returns_the_threshold_and_the_band(alice_api, model):
    upload = SimpleUploadedFile("chest.png", xray_png(opaque=True), "image/png")
    body = alice_api.post("/pneumonia/predict", {"image_file": upload}, format="multipart").json()

    assert body["threshold"] == 0.5 and body["cutoff"] == 50.0
    assert body["score"] == round(body["pneumonia_probability"] * 100, 2)
    assert body["band"] in ("clear", "borderline")
    assert (body["band_low"], body["band_high"]) == (TINY_BAND[0] * 100, TINY_BAND[1] * 100)
    assert len(str(body["pneumonia_probability"]).split(".")[-1]) <= 4
