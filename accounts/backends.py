"""Directory sign-in for Django: a user the hospital directory vouches for becomes (or
updates) a local user whose roles follow the directory's groups at every sign-in."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AbstractBaseUser, Group
from django.db import transaction
from django.http import HttpRequest

from accounts import directory
from accounts.receivers import DIRECTORY_DOWN

logger = logging.getLogger(__name__)

REVIEWERS_GROUP = "Reviewers"


def directory_config() -> directory.DirectoryConfig | None:
    """The directory as configured (PNEUMO_LDAP_*), or None when directory sign-in is off."""
    if not settings.PNEUMO_LDAP_URI:
        return None
    return directory.DirectoryConfig(
        uri=settings.PNEUMO_LDAP_URI,
        user_base=settings.PNEUMO_LDAP_USER_BASE,
        user_filter=settings.PNEUMO_LDAP_USER_FILTER,
        username_attribute=settings.PNEUMO_LDAP_USERNAME_ATTRIBUTE,
        bind_dn=settings.PNEUMO_LDAP_BIND_DN,
        bind_password=settings.PNEUMO_LDAP_BIND_PASSWORD,
        start_tls=settings.PNEUMO_LDAP_START_TLS,
        group_type=settings.PNEUMO_LDAP_GROUP_TYPE,
        reviewer_group=settings.PNEUMO_LDAP_REVIEWER_GROUP,
        staff_group=settings.PNEUMO_LDAP_STAFF_GROUP,
        timeout=settings.PNEUMO_LDAP_TIMEOUT,
    )


def _local_account(username: str) -> AbstractBaseUser | None:
    """A local account of that name with a password of its own: never taken over by a
    directory sign-in (directory users are made without a usable password)."""
    user = get_user_model().objects.filter(username=username).first()
    return user if user is not None and user.has_usable_password() else None


def sync_user(found: directory.DirectoryUser) -> AbstractBaseUser:
    """The local user for ``found``, its names and roles as the directory says now."""
    with transaction.atomic():
        user, created = get_user_model().objects.get_or_create(username=found.username)
        if created:
            user.set_unusable_password()
        for field, value in found.names.items():
            setattr(user, field, value[:150])
        user.is_staff = found.is_staff
        user.is_active = True
        user.save()
        reviewers, _ = Group.objects.get_or_create(name=REVIEWERS_GROUP)
        if found.is_reviewer:
            user.groups.add(reviewers)
        else:
            user.groups.remove(reviewers)
    return user


class DirectoryBackend(ModelBackend):
    """Signs in with the directory's password; permissions as Django's own backend. A
    directory that cannot be reached marks the request (the login page and the token
    endpoint say so) and lets the next backend try a local account."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs,
    ) -> AbstractBaseUser | None:
        config = directory_config()
        if config is None or not username or not password:
            return None
        try:
            found = directory.authenticate(config, username, password)
        except directory.DirectoryUnavailable as exc:
            logger.error("Directory sign-in of %r impossible: %s", username[:150], exc)
            if request is not None:
                setattr(request, DIRECTORY_DOWN, True)
            return None
        if found is None:
            return None
        if _local_account(found.username) is not None:
            logger.warning(
                "Directory sign-in of %s refused: a local account of that name has its own "
                "password (remove it or give it no password to hand it to the directory).",
                found.username,
            )
            return None
        return sync_user(found)
