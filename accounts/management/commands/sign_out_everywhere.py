"""End a user's sessions and revoke their API tokens (someone leaves, a device is lost)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts.sessions import sign_out_everywhere


class Command(BaseCommand):
    help = "Sign USER out of every session and revoke their API tokens (recorded)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")

    def handle(self, *args, username: str, **options) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username[:150]!r}: check the name in /admin/.")
        tokens = sign_out_everywhere(user)
        self.stdout.write(
            f"Signed {username} out everywhere: sessions end at their next request, "
            f"{tokens} API token(s) revoked."
        )
