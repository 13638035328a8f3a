"""The access audit trail: one row per access to patient data and per security event, with
who, when, what (a scan id, never a patient identifier), from where and how it ended."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import AccessEvent, AppendOnly
from diagnosis.models import Scan
from mlcore.testing import xray_png


def xray_upload(seed: int) -> SimpleUploadedFile:
    return SimpleUploadedFile(f"chest-{seed}.png", xray_png(seed=seed), "image/png")


def rows(**filters) -> list[AccessEvent]:
    return list(AccessEvent.objects.filter(**filters).order_by("id"))


def only(action: str, **filters) -> AccessEvent:
    (event,) = rows(action=action, **filters)
    return event


def file_url(scan: Scan, kind: str) -> str:
    return reverse("diagnosis:scan-file", kwargs={"pk": scan.pk, "kind": kind})


def test_an_upload_and_each_look_at_a_scan_is_one_row_with_who_where_and_outcome(
    alice, alice_client, make_scan
):
    scan = make_scan(alice)  # the service called outside a request: as a command would
    upload = only("upload", scan_id=scan.pk)
    assert (upload.username.startswith("os:"), upload.user_id, upload.via) == (
        True,
        None,
        "command",
    )
    alice_client.post(reverse("diagnosis:upload"), {"image": xray_upload(seed=3)})
    upload = rows(action="upload")[-1]
    assert (upload.username, upload.user_id, upload.via) == ("alice", alice.pk, "page")

    AccessEvent.objects.prune(before=upload.at.replace(year=2100))  # a clean slate
    looks = {
        scan.get_absolute_url(): "view_scan",
        reverse("diagnosis:scan-report", kwargs={"pk": scan.pk}): "view_report",
        file_url(scan, "image"): "view_image",
        file_url(scan, "heatmap"): "view_heatmap",
        file_url(scan, "saliency"): "view_saliency",
    }
    for url in looks:
        assert alice_client.get(url).status_code == 200
    seen = [(e.action, e.scan_id, e.username, e.address, e.via, e.outcome) for e in rows()]
    assert seen == [
        (action, scan.pk, "alice", "127.0.0.1", "page", "ok") for action in looks.values()
    ]


def test_the_api_records_views_files_and_exports(alice, alice_api, make_scan):
    scan = make_scan(alice)
    for name in ("detail", "image", "thumbnail", "heatmap", "saliency"):
        assert alice_api.get(reverse(f"api:scan-{name}", args=[scan.pk])).status_code == 200
    alice_api.get(reverse("api:scan-list"))
    alice_api.get(reverse("api:scan-export"), {"as": "csv"})
    actions = [(e.action, e.scan_id, e.via, e.detail) for e in rows(via="api")]
    assert actions == [
        ("view_scan", scan.pk, "api", ""),
        ("view_image", scan.pk, "api", ""),
        ("view_image", scan.pk, "api", "thumbnail"),
        ("view_heatmap", scan.pk, "api", ""),
        ("view_saliency", scan.pk, "api", ""),
        ("view_history", None, "api", ""),
        ("export", None, "api", ""),
    ]


def test_looking_at_another_users_scan_is_recorded_as_denied(alice, bob, make_scan):
    scan = make_scan(alice)
    client = Client()
    client.force_login(bob)
    assert client.get(scan.get_absolute_url()).status_code == 404
    assert client.get(file_url(scan, "image")).status_code == 404
    denied = rows(username="bob", outcome="denied")
    assert [(e.action, e.scan_id) for e in denied] == [
        ("view_scan", scan.pk),
        ("view_image", scan.pk),
    ]


def test_history_and_its_export_are_recorded(alice_client):
    alice_client.get(reverse("diagnosis:scan-history"))
    alice_client.get(reverse("diagnosis:scan-export"))
    assert [e.action for e in rows(username="alice")] == ["login", "view_history", "export"]


def test_reviews_notes_and_a_refused_review_are_recorded(
    alice, bob, reviewer, alice_client, alice_api, make_row
):
    scan = make_row(alice)
    review = reverse("diagnosis:scan-review", kwargs={"pk": scan.pk})
    alice_client.post(review, {"finding": "normal", "comment": "clear lungs"})
    alice_api.delete(reverse("api:scan-review", args=[scan.pk]))
    alice_api.patch(reverse("api:scan-detail", args=[scan.pk]), {"notes": "x"}, format="json")
    assert [(e.action, e.detail, e.via) for e in rows(scan_id=scan.pk)] == [
        ("review", "normal", "page"),
        ("review", "cleared", "api"),
        ("notes", "", "api"),
    ]

    bobs = make_row(bob)
    client = Client()
    client.force_login(bob)  # not a reviewer
    review = reverse("diagnosis:scan-review", kwargs={"pk": bobs.pk})
    assert client.post(review, {"finding": "normal"}).status_code == 403
    refused = only("review", username="bob")
    assert (refused.outcome, refused.detail, refused.scan_id) == (
        "denied",
        "refused: HTTP 403",
        bobs.pk,
    )


def test_deletes_are_recorded_in_the_deletions_transaction(
    transactional_db, alice, alice_client, alice_api, make_row, monkeypatch
):
    # transactional_db: the delete's transaction is the outermost, as in production.
    first, second, kept = make_row(alice), make_row(alice), make_row(alice)
    alice_client.post(reverse("diagnosis:scan-delete", kwargs={"pk": first.pk}))
    alice_api.delete(reverse("api:scan-detail", args=[second.pk]))
    assert [(e.action, e.via) for e in rows(action="delete")] == [
        ("delete", "page"),
        ("delete", "api"),
    ]

    def broken(*args, **kwargs):
        raise RuntimeError("the audit table cannot be written")

    client = Client(raise_request_exception=False)
    client.force_login(alice)
    monkeypatch.setattr(AccessEvent.objects, "create", broken)
    response = client.post(reverse("diagnosis:scan-delete", kwargs={"pk": kept.pk}))
    assert response.status_code == 500
    assert Scan.objects.filter(pk=kept.pk).exists()  # not deleted unrecorded


def test_a_view_that_cannot_be_recorded_is_not_shown(alice, make_row, monkeypatch):
    scan = make_row(alice)

    def broken(*args, **kwargs):
        raise RuntimeError("the audit table cannot be written")

    client = Client(raise_request_exception=False)
    client.force_login(alice)
    monkeypatch.setattr(AccessEvent.objects, "create", broken)
    response = client.get(scan.get_absolute_url())
    assert response.status_code == 500
    assert b"row.png" not in response.content


def test_the_gate_override_is_recorded(alice, reviewer, alice_client, make_scan):
    scan = make_scan(alice)
    Scan.objects.filter(pk=scan.pk).update(status=Scan.Status.NOT_RECOGNISED, predicted_class="")
    alice_client.post(reverse("diagnosis:scan-override-gate", kwargs={"pk": scan.pk}))
    override = only("gate_override")
    assert override.scan_id == scan.pk and override.detail in ("pneumonia", "normal")


def test_model_activation_by_command_names_the_os_account(model, db):
    call_command("model_versions", activate="shipped")
    event = only("model_activate")
    assert event.via == "command" and event.username.startswith("os:")
    assert event.detail.startswith("shipped (")


def test_sign_in_failed_sign_in_sign_out_and_token(alice):
    client = Client()
    login = reverse("login")
    client.post(login, {"username": "alice", "password": "wrong"})
    client.post(login, {"username": "alice", "password": "alice-password-1"})
    client.post(reverse("logout"))
    APIClient().post(
        reverse("api:auth-token"), {"username": "alice", "password": "alice-password-1"}
    )
    assert [(e.action, e.username, e.outcome, e.via) for e in rows()] == [
        ("login_failed", "alice", "failed", "page"),
        ("login", "alice", "ok", "page"),
        ("logout", "alice", "ok", "page"),
        ("token", "alice", "ok", "api"),
    ]
    assert rows()[0].user_id is None  # a name typed, not a user vouched for


def test_a_locked_out_sign_in_is_recorded_as_denied(alice, settings):
    settings.AXES_FAILURE_LIMIT = 2
    client = Client()
    for _ in range(3):
        client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    assert rows()[-1].outcome == "denied" and rows()[-1].detail == "locked out"


def test_the_address_honours_the_configured_proxies(alice, make_row, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    scan = make_row(alice)
    # The client claims an address; the one proxy appends the address it saw.
    forwarded = "198.51.100.9, 203.0.113.7"
    client = Client(HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR="10.0.0.2")
    client.force_login(alice)
    client.get(scan.get_absolute_url())
    assert only("view_scan").address == "203.0.113.7"

    # No proxy trusted (the default): the header is the client's own word.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 0}
    client.get(scan.get_absolute_url())
    assert rows(action="view_scan")[-1].address == "10.0.0.2"


def test_rows_are_never_changed_or_deleted(alice_client):
    alice_client.get(reverse("diagnosis:scan-history"))
    event = only("view_history")
    event.detail = "forged"
    AccessEvent.objects.filter(action="login").prune(before=event.at.replace(year=2100))
    with pytest.raises(AppendOnly):
        event.save()
    with pytest.raises(AppendOnly):
        event.delete()
    with pytest.raises(AppendOnly):
        AccessEvent.objects.update(detail="forged")
    with pytest.raises(AppendOnly):
        AccessEvent.objects.all().delete()
    # Not even by SQL behind the app's back: the database's own trigger.
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_accessevent SET detail = 'forged'")
    assert AccessEvent.objects.get().detail == ""


def test_staff_read_filter_and_export_the_trail_others_get_403(
    alice, staff, alice_client, alice_api, make_row
):
    scan = make_row(alice)
    alice_client.get(scan.get_absolute_url())
    assert alice_client.get(reverse("diagnosis:audit")).status_code == 403
    assert alice_api.get(reverse("api:audit-list")).status_code == 403
    Group.objects.get(name="Reviewers").user_set.add(alice)  # reviewing is not auditing
    assert alice_api.get(reverse("api:audit-list")).status_code == 403

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=staff).key}")
    body = client.get(reverse("api:audit-list"), {"user": "alice", "scan": scan.pk}).json()
    assert body["count"] == 1
    (row,) = body["results"]
    assert {key: row[key] for key in ("action", "user", "scan", "address", "outcome")} == {
        "action": "view_scan",
        "user": "alice",
        "scan": scan.pk,
        "address": "127.0.0.1",
        "outcome": "ok",
    }
    assert client.get(reverse("api:audit-list"), {"action": "delete"}).json()["count"] == 0
    problem = client.get(reverse("api:audit-list"), {"scan": "x", "action": "nope"})
    assert problem.status_code == 400 and set(problem.json()) >= {"scan", "action", "detail"}
    csv = client.get(reverse("api:audit-export"), {"as": "csv", "action": "view_scan"})
    lines = b"".join(csv.streaming_content).decode().splitlines()
    assert lines[0] == "id,at,user,action,scan,address,via,outcome,detail"
    assert ",alice,view_scan," in lines[1]

    page = Client()
    page.force_login(staff)
    text = page.get(reverse("diagnosis:audit"), {"user": "alice"}).content.decode()
    assert "Viewed a scan&#x27;s page" in text and 'id="audit-rows"' in text
    export = page.get(reverse("diagnosis:audit-export"), {"action": "view_scan"})
    assert export["Content-Type"] == "text/csv"
    # Reading the trail is itself recorded.
    assert {e.action for e in rows(username="carol")} == {"login", "view_audit", "export"}


def test_prune_audit_removes_only_rows_past_the_retention_and_says_so(
    alice_client, settings, capsys
):
    alice_client.get(reverse("diagnosis:scan-history"))
    old = AccessEvent.objects.get(action="view_history")
    AccessEvent.objects.create(action="view_scan", via="page", at=old.at.replace(year=2019))
    settings.PNEUMO_AUDIT_RETENTION_DAYS = 365

    call_command("prune_audit", dry_run=True)
    assert "1 rows older than" in capsys.readouterr().out
    call_command("prune_audit")

    assert "Deleted 1 audit rows" in capsys.readouterr().out
    assert not AccessEvent.objects.filter(at__year=2019).exists()
    assert AccessEvent.objects.filter(pk=old.pk).exists()
    assert AccessEvent.objects.get(action="audit_prune").detail.startswith("1 rows before")
    settings.PNEUMO_AUDIT_RETENTION_DAYS = 0
    with pytest.raises(CommandError, match="PNEUMO_AUDIT_RETENTION_DAYS is 0"):
        call_command("prune_audit")


def test_a_refused_upload_is_recorded(alice_client, model):
    empty = SimpleUploadedFile("empty.png", b"", "image/png")
    assert alice_client.post(reverse("diagnosis:upload"), {"image": empty}).status_code == 400
    refused = only("upload")
    assert (refused.outcome, refused.detail) == ("failed", "refused: HTTP 400")


def test_the_admin_shows_the_trail_read_only(staff, alice_client):
    staff.is_superuser = True
    staff.save()
    alice_client.get(reverse("diagnosis:scan-history"))
    admin = Client()
    admin.force_login(staff)
    event = AccessEvent.objects.get(action="view_history")
    url = reverse("admin:accounts_accessevent_change", args=[event.pk])
    assert admin.get(url).status_code == 200
    assert admin.post(url, {"detail": "forged"}).status_code == 403
    assert admin.get(reverse("admin:accounts_accessevent_add")).status_code == 403
    delete = reverse("admin:accounts_accessevent_delete", args=[event.pk])
    assert admin.post(delete, {"post": "yes"}).status_code == 403
    assert AccessEvent.objects.filter(pk=event.pk, detail="").exists()


def test_a_scan_opened_in_the_admin_is_a_view(staff, alice, make_row):
    staff.is_superuser = True
    staff.save()
    scan = make_row(alice)
    admin = Client()
    admin.force_login(staff)
    assert admin.get(reverse("admin:diagnosis_scan_change", args=[scan.pk])).status_code == 200
    event = only("view_scan")
    assert (event.scan_id, event.username, event.detail) == (scan.pk, "carol", "admin")
