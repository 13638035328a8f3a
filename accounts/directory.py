"""The hospital directory (LDAP, Active Directory): check a user's password and read
which of the site's groups they belong to. Plain ldap3, no Django: the backend
(accounts.backends) turns what this finds into a Django user.

The usual search-then-bind: the site's service account (bind DN) finds the user's entry
by a filter under a base, the groups are read as the service account, and the password
is checked by binding as the entry found. A directory that cannot be reached raises
DirectoryUnavailable, which callers tell apart from a wrong password.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass

import ldap3
from ldap3.core.exceptions import (
    LDAPBindError,
    LDAPCommunicationError,
    LDAPException,
    LDAPInvalidCredentialsResult,
)
from ldap3.utils.conv import escape_filter_chars

logger = logging.getLogger(__name__)

# How a group lists its members, by PNEUMO_LDAP_GROUP_TYPE: a filter matching the group
# entry when the user (their entry's DN, or their user name) is a member.
GROUP_TYPES = {
    "groupOfNames": "(member={dn})",
    "groupOfUniqueNames": "(uniqueMember={dn})",
    "posixGroup": "(memberUid={user})",
    # Active Directory, nested groups included (LDAP_MATCHING_RULE_IN_CHAIN).
    "activeDirectory": "(member:1.2.840.113556.1.4.1941:={dn})",
}
NAME_ATTRIBUTES = {"first_name": "givenName", "last_name": "sn", "email": "mail"}


class DirectoryUnavailable(Exception):
    """The directory could not be asked (down, unreachable, TLS or service bind refused)."""


@dataclass(frozen=True)
class DirectoryConfig:
    uri: str
    user_base: str
    user_filter: str = "(uid=%(user)s)"
    username_attribute: str = "uid"
    bind_dn: str = ""
    bind_password: str = ""
    start_tls: bool = False
    group_type: str = "groupOfNames"
    reviewer_group: str = ""
    staff_group: str = ""
    timeout: float = 5.0


@dataclass(frozen=True)
class DirectoryUser:
    """A user the directory vouched for, and the site's roles they hold there."""

    username: str
    dn: str
    names: dict[str, str]
    is_reviewer: bool
    is_staff: bool


def _connect(config: DirectoryConfig) -> ldap3.Connection:
    server = ldap3.Server(config.uri, connect_timeout=config.timeout, get_info=ldap3.NONE)
    connection = ldap3.Connection(
        server,
        user=config.bind_dn or None,
        password=config.bind_password or None,
        receive_timeout=max(1, round(config.timeout)),  # ldap3 packs it as a whole number
        raise_exceptions=True,
    )
    try:
        connection.open()
        if config.start_tls:
            connection.start_tls()
        connection.bind()
    except (LDAPInvalidCredentialsResult, LDAPBindError) as exc:
        raise DirectoryUnavailable(f"the directory refused the site's bind DN: {exc}") from exc
    except LDAPException as exc:  # unreachable, StartTLS refused, ...
        raise DirectoryUnavailable(f"cannot use {config.uri}: {exc}") from exc
    return connection


def _first_value(attributes: dict, name: str) -> str:
    value = attributes.get(name) or ""
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value)


def _find_user(connection: ldap3.Connection, config: DirectoryConfig, username: str):
    search = config.user_filter % {"user": escape_filter_chars(username)}
    attributes = [config.username_attribute, *NAME_ATTRIBUTES.values()]
    connection.search(config.user_base, search, ldap3.SUBTREE, attributes=attributes, size_limit=2)
    entries = [entry for entry in connection.response if entry.get("type") == "searchResEntry"]
    if len(entries) != 1:  # none, or an ambiguous filter: no one signs in as two people
        return None
    return entries[0]


def _is_member(
    connection: ldap3.Connection, config: DirectoryConfig, group: str, dn: str, user: str
) -> bool:
    if not group:
        return False
    member = GROUP_TYPES[config.group_type].format(
        dn=escape_filter_chars(dn), user=escape_filter_chars(user)
    )
    try:
        connection.search(group, member, ldap3.BASE, attributes=[], size_limit=1)
    except LDAPException as exc:
        if isinstance(exc, LDAPCommunicationError):
            raise
        logger.warning("Directory group %s could not be read: %s", group, exc)
        return False
    return any(entry.get("type") == "searchResEntry" for entry in connection.response)


def authenticate(config: DirectoryConfig, username: str, password: str) -> DirectoryUser | None:
    """The user if the directory knows ``username`` with ``password``, else None; raises
    DirectoryUnavailable when the directory cannot be asked."""
    if not username or not password:  # an empty password is an anonymous bind: never a login
        return None
    connection = _connect(config)
    try:
        entry = _find_user(connection, config, username)
        if entry is None:
            return None
        dn, attributes = entry["dn"], entry.get("attributes", {})
        name = _first_value(attributes, config.username_attribute) or username
        found = DirectoryUser(
            username=name,
            dn=dn,
            names={
                field: _first_value(attributes, attr) for field, attr in NAME_ATTRIBUTES.items()
            },
            is_reviewer=_is_member(connection, config, config.reviewer_group, dn, name),
            is_staff=_is_member(connection, config, config.staff_group, dn, name),
        )
        try:
            connection.rebind(user=dn, password=password)
        except (LDAPInvalidCredentialsResult, LDAPBindError):
            return None
        return found
    except LDAPException as exc:  # lost mid-way, or a search the directory refused
        raise DirectoryUnavailable(f"cannot use {config.uri}: {exc}") from exc
    finally:
        with contextlib.suppress(LDAPException):  # already gone with the directory
            connection.unbind()
