from django.test import Client
from django.urls import reverse

from diagnosis.models import Scan
from diagnosis.tests.conftest import stored_files


def scan_urls(scan: Scan) -> list[str]:
    return [
        scan.get_absolute_url(),
        reverse("diagnosis:scan-file", kwargs={"pk": scan.pk, "kind": "image"}),
        reverse("diagnosis:scan-file", kwargs={"pk": scan.pk, "kind": "thumbnail"}),
        reverse("diagnosis:scan-delete", args=[scan.pk]),
        reverse("api:scan-detail", args=[scan.pk]),
        reverse("api:scan-image", args=[scan.pk]),
        reverse("api:scan-thumbnail", args=[scan.pk]),
    ]


def test_owner_sees_own_image(alice_client, alice, make_scan):
    scan = make_scan(alice)
    response = alice_client.get(
        reverse("diagnosis:scan-file", kwargs={"pk": scan.pk, "kind": "image"})
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content).startswith(b"\xff\xd8")


def test_alice_cannot_read_or_delete_bobs_scan(alice_client, bob, make_scan, settings):
    scan = make_scan(bob, name="bobs-secret.png")

    for url in scan_urls(scan):
        assert alice_client.get(url).status_code == 404, url
    assert alice_client.post(reverse("diagnosis:scan-delete", args=[scan.pk])).status_code == 404
    assert alice_client.delete(reverse("api:scan-detail", args=[scan.pk])).status_code == 404
    assert (
        "bobs-secret.png"
        not in alice_client.get(reverse("diagnosis:scan-history")).content.decode()
    )
    assert Scan.objects.filter(pk=scan.pk).exists()
    assert len(stored_files(settings.MEDIA_ROOT)) == 2


def test_staff_see_everyones_scans_but_delete_only_their_own(staff, bob, make_scan):
    scan = make_scan(bob, name="bob.png")
    client = Client()
    client.force_login(staff)

    assert client.get(scan.get_absolute_url()).status_code == 200
    assert "bob.png" in client.get(reverse("diagnosis:scan-history")).content.decode()
    assert client.post(reverse("diagnosis:scan-delete", args=[scan.pk])).status_code == 404


def test_delete_with_confirmation_removes_row_and_files(
    alice_client, alice, make_scan, settings, django_capture_on_commit_callbacks
):
    scan = make_scan(alice)
    url = reverse("diagnosis:scan-delete", args=[scan.pk])

    confirm = alice_client.get(url)
    assert confirm.status_code == 200
    assert "Delete this scan?" in confirm.content.decode()
    assert Scan.objects.filter(pk=scan.pk).exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(url)
    assert response.status_code == 302
    assert not Scan.objects.filter(pk=scan.pk).exists()
    assert stored_files(settings.MEDIA_ROOT) == []


def test_anonymous_gets_login_redirect_not_content(client, alice, make_scan):
    scan = make_scan(alice)

    for url in scan_urls(scan)[:4]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login"))
