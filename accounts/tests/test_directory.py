"""Directory sign-in against a real OpenLDAP (Debian's slapd on a loopback port, a
generated hospital): the page and the token endpoint, roles from groups at every sign-in,
wrong passwords, and the directory stopped mid-run."""

from __future__ import annotations

import dataclasses

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.test import APIClient

from accounts import directory, testing
from accounts.backends import directory_config
from accounts.forms import DIRECTORY_DOWN_MESSAGE
from accounts.models import AccessEvent

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not testing.available(),
        reason="no OpenLDAP: apt-get install slapd (`.ci/run` does) for the directory tests",
    ),
]

LOGIN, TOKEN = "/accounts/login/", "/api/auth/token/"
RITA_PASSWORD = testing.PEOPLE["rita"][0]
IVAN_PASSWORD = testing.PEOPLE["ivan"][0]


@pytest.fixture
def hospital(tmp_path):
    running = testing.start_directory(tmp_path / "ldap")
    yield running
    running.stop()


@pytest.fixture
def configured(settings, hospital):
    settings.PNEUMO_LDAP_URI = hospital.uri
    settings.PNEUMO_LDAP_BIND_DN = testing.SERVICE_DN
    settings.PNEUMO_LDAP_BIND_PASSWORD = testing.SERVICE_PASSWORD
    settings.PNEUMO_LDAP_USER_BASE = testing.USERS
    settings.PNEUMO_LDAP_REVIEWER_GROUP = testing.REVIEWERS
    settings.PNEUMO_LDAP_STAFF_GROUP = testing.STAFF
    return hospital


def sign_in(username: str, password: str) -> tuple[Client, int, str]:
    client = Client()
    response = client.post(LOGIN, {"username": username, "password": password})
    return client, response.status_code, response.content.decode()


def roles(username: str) -> tuple[bool, bool]:
    user = get_user_model().objects.get(username=username)
    return user.is_staff, user.groups.filter(name="Reviewers").exists()


def test_directory_users_sign_in_with_their_roles_from_the_groups(configured, db):
    client, status, _ = sign_in("rita", RITA_PASSWORD)
    assert status == 302 and client.get("/").status_code == 200
    rita = get_user_model().objects.get(username="rita")
    assert not rita.has_usable_password()  # the directory keeps the password
    assert (rita.first_name, rita.last_name, rita.email) == (
        "Rita",
        "Radiologist",
        "rita@hospital.test",
    )
    assert roles("rita") == (False, True)  # a reviewer, not staff

    _, status, _ = sign_in("ivan", IVAN_PASSWORD)
    assert status == 302 and roles("ivan") == (True, False)
    assert [e.username for e in AccessEvent.objects.filter(action="login")] == ["ivan", "rita"]


def test_removed_from_the_group_the_role_goes_at_the_next_sign_in(configured, db):
    sign_in("rita", RITA_PASSWORD)
    assert roles("rita") == (False, True)

    configured.remove_member(testing.REVIEWERS, "rita")
    sign_in("rita", RITA_PASSWORD)

    assert roles("rita") == (False, False)


def test_wrong_passwords_unknown_users_and_filter_tricks_are_refused(configured, db):
    for name, password in (("rita", "wrong"), ("nobody", "x"), ("*", "x"), ("rita)(uid=*", "x")):
        _, status, page = sign_in(name, password)
        assert status == 200 and "Please enter a correct username and password" in page
    assert not get_user_model().objects.exists()
    assert AccessEvent.objects.filter(action="login_failed", outcome="failed").count() == 4
    # An empty password is an anonymous bind to LDAP: never a sign-in.
    assert directory.authenticate(directory_config(), "rita", "") is None


def test_the_token_endpoint_signs_in_through_the_directory(configured, db):
    response = APIClient().post(TOKEN, {"username": "ivan", "password": IVAN_PASSWORD})
    assert response.status_code == 200 and response.json()["token"]
    assert AccessEvent.objects.get(action="token").username == "ivan"
    wrong = APIClient().post(TOKEN, {"username": "ivan", "password": "wrong"})
    assert wrong.status_code == 400


def test_a_local_account_of_the_same_name_is_not_taken_over(configured, db):
    get_user_model().objects.create_user("rita", password="local-password-1")
    _, status, _ = sign_in("rita", RITA_PASSWORD)
    assert status == 200  # the directory's password does not open the local account
    _, status, _ = sign_in("rita", "local-password-1")
    assert status == 302


def test_a_stopped_directory_is_said_on_the_page_and_local_accounts_still_sign_in(configured, db):
    get_user_model().objects.create_user("local", password="local-password-1")
    configured.stop()

    _, status, page = sign_in("rita", RITA_PASSWORD)
    assert status == 200 and "hospital directory cannot be reached" in page
    admin = Client().post("/admin/login/", {"username": "ivan", "password": IVAN_PASSWORD})
    assert "hospital directory cannot be reached" in admin.content.decode()
    token = APIClient().post(TOKEN, {"username": "rita", "password": RITA_PASSWORD})
    assert token.status_code == 503 and token.json()["detail"] == DIRECTORY_DOWN_MESSAGE
    _, status, _ = sign_in("local", "local-password-1")
    assert status == 302
    failed = AccessEvent.objects.filter(action="login_failed", username="rita").first()
    assert failed.detail == "directory unavailable"

    configured.start()  # back: directory users sign in again
    _, status, _ = sign_in("rita", RITA_PASSWORD)
    assert status == 302


def test_start_tls_refused_and_a_wrong_service_password_are_a_directory_problem(configured):
    config = directory_config()
    for broken in (
        dataclasses.replace(config, start_tls=True),  # this slapd has no certificate
        dataclasses.replace(config, bind_password="wrong"),
        dataclasses.replace(config, user_base="ou=nowhere,dc=hospital,dc=test"),
    ):
        with pytest.raises(directory.DirectoryUnavailable):
            directory.authenticate(broken, "rita", RITA_PASSWORD)


def test_without_a_directory_configured_only_local_accounts_exist(db, settings):
    settings.PNEUMO_LDAP_URI = ""
    assert directory_config() is None
    _, status, _ = sign_in("rita", RITA_PASSWORD)
    assert status == 200
