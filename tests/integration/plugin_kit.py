"""The small plugin the plugin tests build offline: a volume driver made from the busybox
test image's root filesystem (exported through the API by the test) and ``dpplugin``, a
static C program (``dpplugin.c``) that answers dockerd's activation handshake and the
VolumeDriver calls on ``/run/docker/plugins/dp.sock``.

``build(rootfs, greeting=...)`` gives the tar that ``POST /plugins/create`` takes:
``config.json`` and ``rootfs/``.  The program is compiled once per source (cached in
the temporary directory by its hash) with the machine's C compiler, which the C core's
build needs anyway; a machine without one fails here, saying so.

For the registry tests: ``anonymous_registry()`` runs a private ``docker-registry``
without credentials (where dockerd pushes plugins safely, see there), and
``copy_plugin`` copies a pushed plugin from it to the registry of
``scripts/registry`` (TLS, htpasswd), where dockerd then pulls it with credentials.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import io
import json
import os
import shutil
import socket
import ssl
import subprocess
import tarfile
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SOURCE = Path(__file__).with_name("dpplugin.c")
SOCKET = "dp.sock"

# What ``privileges(remote)`` answers for this plugin (its host network asks for one),
# and so what ``pull``, ``upgrade`` and ``install`` must grant.
PRIVILEGES = [{"Name": "network", "Description": "", "Value": ["host"]}]


def config(
    greeting: str = "hello", description: str = "dockproto test volume driver"
) -> dict[str, Any]:
    """The plugin's ``config.json``: a volume driver with a settable ``GREETING``."""
    return {
        "description": description,
        "documentation": "https://github.com/dockproto/dockproto",
        "entrypoint": ["/dpplugin"],
        "interface": {"types": ["docker.volumedriver/1.0"], "socket": SOCKET},
        "network": {"type": "host"},
        "env": [
            {
                "name": "GREETING",
                "description": "what the volumes' Status says",
                "settable": ["value"],
                "value": greeting,
            }
        ],
    }


def plugin_binary() -> bytes:
    """``dpplugin`` compiled statically (once per version of its source)."""
    source = SOURCE.read_bytes()
    digest = hashlib.sha256(source).hexdigest()[:16]
    out = Path(tempfile.gettempdir()) / f"dockproto-dpplugin-{digest}"
    if not out.exists():
        cc = shutil.which("gcc") or shutil.which("cc")
        if cc is None:
            raise RuntimeError("the plugin tests compile dpplugin.c: no gcc or cc on PATH")
        tmp = out.with_name(f"{out.name}.{os.getpid()}.tmp")
        done = subprocess.run(
            [cc, "-static", "-O2", "-Wall", "-o", str(tmp), str(SOURCE)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"cannot compile dpplugin.c (needs libc6-dev):\n{done.stderr}")
        os.replace(tmp, out)
    return out.read_bytes()


def build(rootfs: bytes, greeting: str = "hello", description: str | None = None) -> bytes:
    """The plugin's tar: ``config.json``, and ``rootfs/`` holding the image's files (the
    ``rootfs`` tar an export gave) plus ``/dpplugin`` and a mark of its own."""
    binary = plugin_binary()
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        cfg = config(greeting) if description is None else config(greeting, description)
        data = json.dumps(cfg).encode()
        info = tarfile.TarInfo("config.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
        root = tarfile.TarInfo("rootfs")
        root.type = tarfile.DIRTYPE
        root.mode = 0o755
        tar.addfile(root)
        with tarfile.open(fileobj=io.BytesIO(rootfs), mode="r") as image:
            for member in image.getmembers():
                name = member.name.lstrip("./").lstrip("/")
                if not name or name == "dpplugin":
                    continue
                member.name = f"rootfs/{name}"
                if member.islnk():  # (hard links name their target by its path too)
                    member.linkname = f"rootfs/{member.linkname.lstrip('./').lstrip('/')}"
                tar.addfile(member, image.extractfile(member) if member.isreg() else None)
        # A mark of this build: dockerd 20.10 refuses a plugin whose rootfs layer another
        # installed plugin has already ("content sha256:...: already exists", 409).
        mark = uuid.uuid4().hex.encode()
        info = tarfile.TarInfo("rootfs/etc/dpplugin-build")
        info.size = len(mark)
        tar.addfile(info, io.BytesIO(mark))
        exe = tarfile.TarInfo("rootfs/dpplugin")
        exe.size = len(binary)
        exe.mode = 0o755
        tar.addfile(exe, io.BytesIO(binary))
    return out.getvalue()


# -- registries ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def anonymous_registry(timeout: float = 20) -> Iterator[str]:
    """A private ``docker-registry`` without TLS or credentials on 127.0.0.1 (which
    dockerd takes as insecure: plain HTTP), for as long as the block runs: its
    ``HOST:PORT``.  Pushing a plugin where no credentials are asked for: dockerd
    20.10's plugin push (containerd 1.6's pusher) retries each blob upload after a 401
    and may panic doing so ("send on closed channel" in ``pushWriter.setPipe``, fixed
    in containerd 1.7), which would take down the engine the whole suite shares."""
    program = shutil.which("docker-registry")
    if program is None:
        raise RuntimeError("no docker-registry program (scripts/registry start installs it)")
    with tempfile.TemporaryDirectory(prefix="dockproto-anonreg-") as root:
        port = _free_port()
        config = Path(root, "config.yml")
        config.write_text(
            "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n"
            f"    rootdirectory: {root}/storage\nhttp:\n  addr: 127.0.0.1:{port}\n"
        )
        with open(Path(root, "log"), "wb") as log:
            proc = subprocess.Popen([program, "serve", str(config)], stdout=log, stderr=log)
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    if _request("GET", f"127.0.0.1:{port}", "/v2/")[0] == 200:
                        break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"docker-registry did not come up: {Path(root, 'log').read_text()}"
                    )
                time.sleep(0.05)
            yield f"127.0.0.1:{port}"
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _request(
    method: str,
    host: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    tls: ssl.SSLContext | None = None,
) -> tuple[int, dict[str, str], bytes]:
    conn: http.client.HTTPConnection
    if tls is None:
        conn = http.client.HTTPConnection(host, timeout=30)
    else:
        conn = http.client.HTTPSConnection(host, timeout=30, context=tls)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"


def copy_plugin(
    source: str, dest: str, repository: str, tag: str, user: str, password: str, ca: str
) -> None:
    """Copy ``repository:tag`` from the anonymous registry ``source`` to ``dest`` (TLS
    with the CA file ``ca``, basic auth): the Registry API by hand, blob by blob, then
    the manifest, as a push would have it."""
    tls = ssl.create_default_context(cafile=ca)
    basic = base64.b64encode(f"{user}:{password}".encode()).decode()
    auth = {"Authorization": f"Basic {basic}"}
    accept = f"{MANIFEST}, application/vnd.oci.image.manifest.v1+json"
    status, _, raw = _request(
        "GET", source, f"/v2/{repository}/manifests/{tag}", headers={"Accept": accept}
    )
    assert status == 200, (status, raw)
    manifest = json.loads(raw)
    for blob in [manifest["config"], *manifest["layers"]]:
        status, _, data = _request("GET", source, f"/v2/{repository}/blobs/{blob['digest']}")
        assert status == 200, (status, blob)
        status, head, raw = _request(
            "POST", dest, f"/v2/{repository}/blobs/uploads/", b"", auth, tls
        )
        assert status == 202, (status, raw)
        location = head["location"]
        if location.startswith("https://"):
            location = "/" + location.split("/", 3)[3]
        sep = "&" if "?" in location else "?"
        status, _, raw = _request(
            "PUT",
            dest,
            f"{location}{sep}digest={blob['digest']}",
            data,
            {**auth, "Content-Type": "application/octet-stream"},
            tls,
        )
        assert status == 201, (status, raw)
    status, _, raw = _request(
        "PUT",
        dest,
        f"/v2/{repository}/manifests/{tag}",
        json.dumps(manifest).encode(),
        {**auth, "Content-Type": manifest.get("mediaType", MANIFEST)},
        tls,
    )
    assert status == 201, (status, raw)
