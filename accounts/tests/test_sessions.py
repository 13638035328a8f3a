"""Sessions end after PNEUMO_SESSION_IDLE_MINUTES without a request, after
PNEUMO_SESSION_MAX_HOURS in all, or when staff sign the user out everywhere."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts import sessions
from accounts.models import AccessEvent

HOME, LOGIN, STATUS = "/", "/accounts/login/", "/accounts/session/"
PASSWORD = "dora-password-1"


@pytest.fixture
def dora(db):
    return get_user_model().objects.create_user("dora", password=PASSWORD)


def signed_in(user) -> Client:
    client = Client()
    response = client.post(LOGIN, {"username": user.get_username(), "password": PASSWORD})
    assert response.status_code == 302
    return client


def shift(client: Client, key: str, seconds: float) -> None:
    """Move a session clock ``seconds`` into the past."""
    session = client.session
    session[key] -= seconds
    session.save()


def test_an_idle_session_ends_and_the_login_page_says_why(dora):
    client = signed_in(dora)
    assert client.get(HOME).status_code == 200
    shift(client, sessions.LAST_SEEN, 15 * 60 + 1)

    response = client.get(HOME)

    assert response.status_code == 302 and response["Location"] == f"{LOGIN}?next=/"
    page = client.get(response["Location"]).content.decode()
    assert "You were signed out after 15 minutes without activity" in page
    assert client.get(HOME).status_code == 302  # still signed out
    logout = AccessEvent.objects.get(action="logout")
    assert (logout.username, logout.detail) == ("dora", sessions.IDLE)


def test_a_request_restarts_the_idle_clock(dora, settings):
    settings.PNEUMO_SESSION_IDLE_MINUTES = 1
    client = signed_in(dora)
    shift(client, sessions.LAST_SEEN, 50)
    assert client.get(HOME).status_code == 200
    shift(client, sessions.LAST_SEEN, 50)  # 100 s since sign-in, 50 since the last request
    assert client.get(HOME).status_code == 200


def test_a_session_ends_after_the_absolute_limit_however_active(dora):
    client = signed_in(dora)
    shift(client, sessions.SIGNED_IN_AT, 12 * 3600 + 1)

    response = client.get(HOME, follow=True)

    assert "a session lasts at most 12 hours" in response.content.decode()
    assert AccessEvent.objects.get(action="logout").detail == sessions.EXPIRED


def test_the_status_poll_is_not_activity_and_stay_signed_in_is(dora):
    client = signed_in(dora)
    shift(client, sessions.LAST_SEEN, 10 * 60)

    state = client.get(STATUS).json()
    assert state["signed_in"] and 295 <= state["seconds_left"] <= 300
    assert client.get(STATUS).json()["seconds_left"] <= 300  # the poll did not touch it

    state = client.post(STATUS).json()  # "Stay signed in"
    assert state["seconds_left"] >= 895 and state["idle_seconds"] == 900
    assert Client().get(STATUS).json() == {"signed_in": False, "seconds_left": 0}


def test_a_form_sent_after_the_end_signs_in_again_then_returns_to_its_page(dora):
    client = signed_in(dora)
    shift(client, sessions.LAST_SEEN, 15 * 60 + 1)

    response = client.post(
        "/scans/1/review/", {"finding": "normal"}, HTTP_REFERER="http://testserver/scans/1/"
    )

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next=http%3A//testserver/scans/1/"


def test_the_api_with_an_ended_session_is_refused(dora):
    client = signed_in(dora)
    assert client.get("/api/scans/").status_code == 200
    shift(client, sessions.LAST_SEEN, 15 * 60 + 1)
    assert client.get("/api/scans/").status_code in (401, 403)


def test_sign_out_everywhere_ends_every_session_and_revokes_tokens(dora, capsys):
    laptop, workstation = signed_in(dora), signed_in(dora)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=dora).key}")
    assert api.get("/api/scans/").status_code == 200

    call_command("sign_out_everywhere", "dora")

    assert "1 API token(s) revoked" in capsys.readouterr().out
    for client in (laptop, workstation):
        response = client.get(HOME, follow=True)
        assert "signed out by an administrator" in response.content.decode()
    assert api.get("/api/scans/").status_code == 401
    assert signed_in(dora).get(HOME).status_code == 200  # a new sign-in is fine
    event = AccessEvent.objects.get(action="sign_out_everywhere")
    assert event.via == "command" and "user dora" in event.detail
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        call_command("sign_out_everywhere", "nobody")


def test_staff_sign_a_user_out_everywhere_from_the_admin(dora, db):
    admin = get_user_model().objects.create_superuser("root", password="root-password-1")
    staff = Client()
    staff.force_login(admin)
    victim = signed_in(dora)

    response = staff.post(
        "/admin/auth/user/",
        {"action": "sign_out_everywhere", "_selected_action": [dora.pk]},
        follow=True,
    )

    assert "Signed out 1 user(s) everywhere" in response.content.decode()
    assert victim.get(HOME).status_code == 302
    assert AccessEvent.objects.get(action="sign_out_everywhere").username == "root"
