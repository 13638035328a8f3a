"""A real OpenLDAP directory for the tests: Debian's slapd on a loopback port, with a
generated hospital (a service account, two users, a reviewers group and a staff group).
Imported by tests only (an import contract)."""

from __future__ import annotations

import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import ldap3

from bench.load import free_port

SLAPD = Path("/usr/sbin/slapd")
SLAPADD = Path("/usr/sbin/slapadd")
SUFFIX = "dc=hospital,dc=test"
ROOT_DN, ROOT_PASSWORD = f"cn=admin,{SUFFIX}", "root-secret"
SERVICE_DN, SERVICE_PASSWORD = f"cn=pneumoscan,ou=services,{SUFFIX}", "service-secret"
USERS = f"ou=people,{SUFFIX}"
REVIEWERS = f"cn=radiologists,ou=groups,{SUFFIX}"
STAFF = f"cn=it-staff,ou=groups,{SUFFIX}"
# groupOfNames needs a member: this one, so that a group can lose all its people.
EMPTY_MEMBER = f"cn=nobody,{SUFFIX}"
# user name -> (password, given name, surname, mail)
PEOPLE = {
    "rita": ("rita-directory-pw", "Rita", "Radiologist", "rita@hospital.test"),
    "ivan": ("ivan-directory-pw", "Ivan", "Informatics", "ivan@hospital.test"),
}

CONFIG = """include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
pidfile {folder}/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
maxsize 10485760
suffix "{suffix}"
rootdn "{root_dn}"
rootpw {root_password}
directory {folder}/data
access to attrs=userPassword by anonymous auth by self write by * none
access to * by users read by * none
"""


def available() -> bool:
    return SLAPD.is_file() and SLAPADD.is_file()


def _entry(dn: str, **attributes: str | list[str]) -> str:
    lines = [f"dn: {dn}"]
    for name, values in attributes.items():
        for value in values if isinstance(values, list) else [values]:
            lines.append(f"{name}: {value}")
    return "\n".join(lines) + "\n"


def directory_ldif() -> str:
    """The generated hospital: the tree, the service account, people, two groups."""
    entries = [
        _entry(SUFFIX, objectClass=["top", "dcObject", "organization"], dc="hospital", o="Test"),
        *(
            _entry(f"ou={ou},{SUFFIX}", objectClass="organizationalUnit", ou=ou)
            for ou in ("people", "groups", "services")
        ),
        _entry(
            SERVICE_DN,
            objectClass=["person", "simpleSecurityObject"],
            cn="pneumoscan",
            sn="service",
            userPassword=SERVICE_PASSWORD,
        ),
    ]
    for name, (password, given, surname, mail) in PEOPLE.items():
        entries.append(
            _entry(
                f"uid={name},{USERS}",
                objectClass="inetOrgPerson",
                uid=name,
                cn=f"{given} {surname}",
                givenName=given,
                sn=surname,
                mail=mail,
                userPassword=password,
            )
        )
    entries.append(
        _entry(
            REVIEWERS,
            objectClass="groupOfNames",
            cn="radiologists",
            member=[f"uid=rita,{USERS}", EMPTY_MEMBER],
        )
    )
    entries.append(
        _entry(
            STAFF,
            objectClass="groupOfNames",
            cn="it-staff",
            member=[f"uid=ivan,{USERS}", EMPTY_MEMBER],
        )
    )
    return "\n".join(entries)


@dataclass
class Directory:
    folder: Path
    port: int
    process: subprocess.Popen | None = None

    @property
    def uri(self) -> str:
        return f"ldap://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [str(SLAPD), "-f", str(self.folder / "slapd.conf"), "-h", f"{self.uri}/", "-d", "0"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(f"slapd exited with {self.process.returncode}") from None
                time.sleep(0.1)
        raise RuntimeError("slapd did not listen within 20 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        self.process = None

    def admin(self) -> ldap3.Connection:
        """A connection as the directory's root, to change it mid-test."""
        return ldap3.Connection(self.uri, ROOT_DN, ROOT_PASSWORD, auto_bind=True)

    def remove_member(self, group: str, name: str) -> None:
        with self.admin() as connection:
            connection.modify(group, {"member": [(ldap3.MODIFY_DELETE, [f"uid={name},{USERS}"])]})
            assert connection.result["result"] == 0, connection.result


def start_directory(folder: Path) -> Directory:
    """slapd with the generated hospital in ``folder``, listening on a free loopback port."""
    (folder / "data").mkdir(parents=True)
    config = CONFIG.format(
        folder=folder, suffix=SUFFIX, root_dn=ROOT_DN, root_password=ROOT_PASSWORD
    )
    (folder / "slapd.conf").write_text(config)
    (folder / "hospital.ldif").write_text(directory_ldif())
    subprocess.run(
        [str(SLAPADD), "-f", str(folder / "slapd.conf"), "-l", str(folder / "hospital.ldif")],
        check=True,
        capture_output=True,
    )
    directory = Directory(folder, free_port())
    directory.start()
    return directory
