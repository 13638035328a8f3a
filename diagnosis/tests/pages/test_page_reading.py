"""Reading the pages: headings, where you are, times with their zone, plots that enlarge,
the confusion matrix as a table, the heatmap's legend and its note."""

import re

import pytest
from django.urls import reverse

from diagnosis.models import Scan


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_navigation_marks_the_current_page(alice_client, db):
    text = page(alice_client, reverse("diagnosis:scan-history"))

    assert re.search(r'href="/scans/"\s+aria-current="page"', text)
    assert text.count('aria-current="page"') == 1


def test_result_page_has_a_heading_and_the_verdict_before_the_image(alice_client, alice, make_row):
    text = page(alice_client, make_row(alice).get_absolute_url())

    assert '<h1 id="result-title">Result' in text
    assert text.index('id="verdict"') < text.index('id="scan-image"')


@pytest.mark.parametrize("zone, shown", [("UTC", "UTC"), ("Europe/Paris", "CET")])
def test_times_are_shown_in_the_site_time_zone_with_the_zone(
    alice_client, alice, make_row, settings, zone, shown
):
    settings.TIME_ZONE = zone
    scan = make_row(alice)
    Scan.objects.filter(pk=scan.pk).update(created_at="2026-01-15T12:00:00Z")

    history = page(alice_client, reverse("diagnosis:scan-history"))
    detail = page(alice_client, scan.get_absolute_url())

    local = "13:00" if zone == "Europe/Paris" else "12:00"
    assert f"2026-01-15 {local} {shown}" in history and f"times in {zone}" in history
    assert f"2026-01-15 {local}:00 {shown}" in detail


def test_without_javascript_the_toggle_is_two_links_and_shows_the_map(
    alice_client, alice, make_scan
):
    scan = make_scan(alice, opaque=True)
    heatmap_url = reverse("diagnosis:scan-file", kwargs={"pk": scan.pk, "kind": "heatmap"})

    plain = page(alice_client, scan.get_absolute_url())
    assert 'href="?view=heatmap"' in plain and 'href="?view=original"' in plain

    shown = page(alice_client, scan.get_absolute_url() + "?view=heatmap")
    assert f'id="scan-image" src="{heatmap_url}"' in shown
    assert "the verdict rests on it" in shown and "<script>" not in shown


@pytest.mark.parametrize(
    "peak, area, note",
    [(0.1, 0.1, "Weak map:"), (2.0, 0.7, "Diffuse map:</strong> 70%"), (2.0, 0.1, None)],
)
def test_a_weak_or_diffuse_map_gets_a_note(alice_client, alice, make_row, peak, area, note):
    scan = make_row(alice, saliency_peak=peak, saliency_area=area, heatmap="scans/x_heatmap.png")
    Scan.objects.filter(pk=scan.pk).update(saliency="scans/x_saliency.png")

    text = page(alice_client, scan.get_absolute_url() + "?view=heatmap")

    if note:
        assert note in text
    else:
        assert 'id="saliency-note"' not in text


def test_model_card_plots_enlarge_and_the_confusion_matrix_is_a_table(alice_client, model):
    (model / "roc.png").write_bytes(b"\\x89PNG fake for the test")
    try:
        text = page(alice_client, reverse("diagnosis:model-card"))
    finally:
        (model / "roc.png").unlink()

    plot = reverse("diagnosis:model-plot", args=["roc"])
    assert f'<a href="{plot}" title="Open the full-size image"><img src="{plot}"' in text
    assert "ROC curve" in text and "Roc" not in text
    assert '<table class="confusion">' in text and '<th scope="row">pneumonia</th>' in text
