"""Create a first (super)user when the database has none, and print its password last, in
a box; on later runs, say how to get in."""

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

MANAGE = ".venv/bin/python manage.py"


def boxed(lines: list[str]) -> str:
    width = max(len(line) for line in lines)
    rule = "+" + "-" * (width + 2) + "+"
    return "\n".join([rule, *(f"| {line.ljust(width)} |" for line in lines), rule])


class Command(BaseCommand):
    help = "Create the first user (a superuser) with a generated password if no user exists."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--username", default="admin")

    def handle(self, *args, username: str, **options) -> None:
        users = get_user_model().objects
        if users.exists():
            admins = list(
                users.filter(is_superuser=True).order_by("pk").values_list("username", flat=True)
            )
            self.stdout.write(
                "Users exist already; no user created. Log in as "
                + (", ".join(admins[:5]) if admins else "an existing user")
                + f". Forgot the password: `{MANAGE} changepassword USERNAME`; "
                f"another administrator: `{MANAGE} createsuperuser`."
            )
            return
        password = secrets.token_urlsafe(12)
        users.create_superuser(username=username, email="", password=password)
        box = boxed(
            [
                f"First user: {username}",
                f"Password:   {password}",
                f"Shown once; change it with `{MANAGE} changepassword {username}`.",
            ]
        )
        self.stdout.write(self.style.SUCCESS(box))
