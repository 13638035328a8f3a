"""The login form: says when the hospital directory is down, rather than "wrong password"."""

from __future__ import annotations

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.receivers import DIRECTORY_DOWN

DIRECTORY_DOWN_MESSAGE = _(
    "The hospital directory cannot be reached just now, so directory accounts cannot sign "
    "in. Try again in a minute; if it lasts, call IT (local accounts still sign in)."
)


class DirectoryDownMixin:
    """An AuthenticationForm that says "directory down" rather than "wrong password"."""

    def get_invalid_login_error(self) -> ValidationError:
        if getattr(self.request, DIRECTORY_DOWN, False):
            return ValidationError(DIRECTORY_DOWN_MESSAGE, code="directory_unavailable")
        return super().get_invalid_login_error()


class LoginForm(DirectoryDownMixin, AuthenticationForm):
    """The site's login page."""


class AdminLoginForm(DirectoryDownMixin, AdminAuthenticationForm):
    """The admin's login page (staff only, as Django's)."""
