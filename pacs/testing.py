"""The hospital's side as the tests and the benches play it: Debian's Orthanc as the PACS
(a loopback-only configuration, started and stopped on its storage folder) and dcmtk's
storescu as the modality. No Django, no pytest."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

ORTHANC = Path("/usr/sbin/Orthanc")
STORESCU = shutil.which("storescu")
DICOMWEB_PLUGINS = Path("/usr/share/orthanc/plugins")


def wait_for_port(port: int, seconds: float = 10, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the process for port {port} exited ({process.returncode})")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


def storescu(
    port: int, *files: Path, calling: str = "MODALITY", called: str = "PNEUMOSCAN"
) -> subprocess.CompletedProcess:
    """dcmtk's storescu, as a modality sends: one association for all ``files``."""
    return subprocess.run(
        [STORESCU, "-aet", calling, "-aec", called, "127.0.0.1", str(port), *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
    )


class Orthanc:
    """A running Orthanc: its DICOM port, and its REST API on loopback."""

    def __init__(
        self, http_port: int, dicom_port: int, process: subprocess.Popen, log: Path
    ) -> None:
        self.http_port, self.dicom_port, self.process = http_port, dicom_port, process
        self.log = log  # what Orthanc (and its Lua scripts' print) writes

    def get(self, path: str, body: dict | bytes | None = None):
        """GET ``path`` of the REST API, or POST ``body`` (bytes, or a dict as JSON) to it."""
        url = f"http://127.0.0.1:{self.http_port}{path}"
        data = json.dumps(body).encode() if isinstance(body, dict) else body
        with urllib.request.urlopen(url, data, timeout=60) as response:
            body = response.read()
        return (
            json.loads(body) if response.headers.get_content_type() == "application/json" else body
        )

    def instances(self) -> list[dict]:
        return [self.get(f"/instances/{uid}/simplified-tags") for uid in self.get("/instances")]

    def file(self, orthanc_id: str) -> bytes:
        return self.get(f"/instances/{orthanc_id}/file")


def orthanc_config(
    folder: Path,
    http: int,
    dicom: int,
    listener_port: int,
    lua: str = "",
    dicomweb: dict | None = None,
) -> Path:
    """Orthanc as a hospital would set it up for us: loopback only, known modalities only;
    ``dicomweb``: more of its DICOMweb plugin's settings (servers it pushes to)."""
    config = {
        "Name": "TESTPACS",
        "StorageDirectory": str(folder / "storage"),
        "IndexDirectory": str(folder / "storage"),
        "HttpPort": http,
        "DicomPort": dicom,
        "DicomAet": "ORTHANC",
        "RemoteAccessAllowed": False,
        "AuthenticationEnabled": False,
        "DicomCheckModalityHost": True,
        "DicomAlwaysAllowEcho": True,
        "DicomAlwaysAllowStore": True,
        "DicomModalities": {
            "pneumoscan": {
                "AET": "PNEUMOSCAN",
                "Host": "127.0.0.1",
                "Port": listener_port,
                "AllowFind": True,
                "AllowStore": True,
                "AllowEcho": True,
            }
        },
        "Plugins": [str(DICOMWEB_PLUGINS)] if DICOMWEB_PLUGINS.is_dir() else [],
        "DicomWeb": {"Enable": True, "Root": "/dicom-web/", **(dicomweb or {})},
        "StableAge": 1,
        "LuaScripts": [str(folder / "route.lua")] if lua else [],
    }
    if lua:
        (folder / "route.lua").write_text(lua)
    path = folder / "orthanc.json"
    path.write_text(json.dumps(config))
    return path


def start_orthanc(folder: Path, http: int, dicom: int, listener_port: int, **options) -> Orthanc:
    folder.mkdir(parents=True, exist_ok=True)
    config = orthanc_config(folder, http, dicom, listener_port, **options)
    log = (folder / "orthanc.log").open("ab")
    process = subprocess.Popen([str(ORTHANC), str(config)], stdout=log, stderr=log)
    orthanc = Orthanc(http, dicom, process, folder / "orthanc.log")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError((folder / "orthanc.log").read_text()[-2000:])
        try:
            orthanc.get("/system")
            return orthanc
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("Orthanc did not start in 30 s")


def stop_orthanc(orthanc: Orthanc) -> None:
    orthanc.process.terminate()
    try:
        orthanc.process.wait(20)  # two Orthancs on one storage folder: the second exits
    except subprocess.TimeoutExpired:
        orthanc.process.kill()
        orthanc.process.wait(5)
