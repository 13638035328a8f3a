"""Create a first (super)user when the database has none, and print its password once."""

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the first user (a superuser) with a generated password if no user exists."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--username", default="admin")

    def handle(self, *args, username: str, **options) -> None:
        users = get_user_model().objects
        if users.exists():
            self.stdout.write("Users exist already; no user created.")
            return
        password = secrets.token_urlsafe(12)
        users.create_superuser(username=username, email="", password=password)
        self.stdout.write(
            self.style.SUCCESS(
                f"Created user {username!r} with password {password!r} "
                "(shown once: note it, or change it with `python manage.py changepassword`)."
            )
        )
