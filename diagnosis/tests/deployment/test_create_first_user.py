"""`make run`'s first user: the password printed last, in a box; on a later run, where to
get in (changepassword, createsuperuser) instead of a bare "no user created"."""

from io import StringIO

from django.contrib.auth import get_user_model
from django.core.management import call_command


def run() -> str:
    out = StringIO()
    call_command("create_first_user", stdout=out, no_color=True)
    return out.getvalue()


def test_first_run_prints_the_password_last_in_a_box(db):
    lines = run().strip().splitlines()

    assert lines[0].startswith("+-") and lines[-1].startswith("+-")
    assert all(line.startswith("|") and line.endswith("|") for line in lines[1:-1])
    password = next(line for line in lines if "Password:" in line).split()[2]
    assert get_user_model().objects.get(username="admin").check_password(password)


def test_later_runs_say_how_to_get_in(db):
    run()
    again = run()

    assert "no user created" in again
    assert "Log in as admin" in again
    assert "changepassword USERNAME" in again and "createsuperuser" in again
    assert get_user_model().objects.count() == 1
