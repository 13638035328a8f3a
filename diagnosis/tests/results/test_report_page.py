"""/scans/<id>/report/: one printable page per scan."""

from pathlib import Path

from django.urls import reverse

from diagnosis.services import scan_review


def report(client, scan) -> str:
    response = client.get(reverse("diagnosis:scan-report", args=[scan.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_report_has_images_verdict_scale_band_version_and_disclaimer(
    alice_client, alice, make_scan
):
    scan = make_scan(alice, opaque=True)

    text = report(alice_client, scan)

    assert reverse("diagnosis:scan-file", kwargs={"pk": scan.pk, "kind": "image"}) in text
    assert reverse("diagnosis:scan-file", kwargs={"pk": scan.pk, "kind": "heatmap"}) in text
    assert "Pneumonia" in text and f"{scan.score:.1f} / {scan.cutoff:.1f} ({scan.band})" in text
    assert scan.model_version in text
    assert "Not yet reviewed." in text
    assert "Research and triage support only, not a diagnosis." in text
    assert 'id="heatmap-legend"' in text  # the map was made for the report
    assert "js/report.js" in text and "onclick" not in text


def test_report_shows_the_reviewers_sign_off(alice_client, reviewer, make_scan):
    scan = make_scan(reviewer, opaque=True)
    scan_review(scan=scan, reviewer=reviewer, finding="normal", comment="clear lungs")

    text = report(alice_client, scan)

    assert "Confirmed <strong>normal</strong>, signed off by alice on" in text
    assert "clear lungs" in text and "Not yet reviewed." not in text


def test_report_of_an_unrecognised_image_has_no_heatmap(alice_client, alice, make_row):
    scan = make_row(alice, predicted="")

    text = report(alice_client, scan)

    assert "not recognised as a frontal chest X-ray" in text and "heatmap-legend" not in text


def test_others_reports_are_404(alice_client, bob, make_row):
    assert (
        alice_client.get(reverse("diagnosis:scan-report", args=[make_row(bob).pk])).status_code
        == 404
    )


def test_result_page_links_the_report_and_the_stylesheet_prints_it(alice_client, alice, make_scan):
    from django.contrib.staticfiles import finders

    scan = make_scan(alice)
    css = Path(finders.find("css/site.css")).read_text()

    assert "@media print" in css and ".topbar, footer, .no-print" in css
    page = alice_client.get(scan.get_absolute_url()).content.decode()
    assert reverse("diagnosis:scan-report", args=[scan.pk]) in page
