"""Certificates from ``scripts/tls-certs``, and the fake daemon behind trio's TLS.

``certs(kind)`` makes (once per session) a folder laid out as ``DOCKER_CERT_PATH``:
``good`` (the CA everything trusts), ``other`` (an unrelated CA, as a wrong
``DOCKER_CERT_PATH`` would hold) and ``misnamed`` (a server certificate for another
host name, signed by the ``good`` CA).  ``tls_daemon`` serves the fake daemon over TLS
on 127.0.0.1 and requires a client certificate signed by the ``good`` CA.
"""

from __future__ import annotations

import os
import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import trio

from ..fakedaemon import FakeDaemon, Handler

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "scripts", "tls-certs")


def make_certs(base: str) -> dict[str, str]:
    """``good``, ``other`` and ``misnamed`` certificate folders under ``base``."""
    if not shutil.which("openssl"):
        raise RuntimeError("openssl is needed to make test certificates")
    good, other, misnamed = (os.path.join(base, n) for n in ("good", "other", "misnamed"))
    subprocess.run([SCRIPT, good], check=True, capture_output=True)
    subprocess.run([SCRIPT, other], check=True, capture_output=True)
    # The misnamed server certificate is signed by the good CA.
    os.makedirs(misnamed, exist_ok=True)
    for name in ("ca.pem", "ca-key.pem"):
        shutil.copy(os.path.join(good, name), os.path.join(misnamed, name))
    subprocess.run(
        ["openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=elsewhere",
         "-keyout", os.path.join(misnamed, "server-key.pem"),
         "-out", os.path.join(misnamed, "server.csr")],
        check=True, capture_output=True,
    )  # fmt: skip
    ext = os.path.join(misnamed, "ext")
    with open(ext, "w") as f:
        f.write("subjectAltName=DNS:elsewhere.invalid\nextendedKeyUsage=serverAuth\n")
    subprocess.run(
        ["openssl", "x509", "-req", "-in", os.path.join(misnamed, "server.csr"),
         "-CA", os.path.join(good, "ca.pem"), "-CAkey", os.path.join(good, "ca-key.pem"),
         "-CAcreateserial", "-days", "2", "-extfile", ext,
         "-out", os.path.join(misnamed, "server-cert.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    return {"good": good, "other": other, "misnamed": misnamed}


def server_context(server_dir: str, client_ca_dir: str) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(
        os.path.join(server_dir, "server-cert.pem"), os.path.join(server_dir, "server-key.pem")
    )
    ctx.load_verify_locations(os.path.join(client_ca_dir, "ca.pem"))
    ctx.verify_mode = ssl.CERT_REQUIRED  # as dockerd --tlsverify
    return ctx


@dataclass
class Served:
    host: str
    port: int
    daemon: FakeDaemon
    handshake_errors: list[str]


@asynccontextmanager
async def tls_daemon(handler: Handler, ctx: ssl.SSLContext) -> AsyncIterator[Served]:
    """The fake daemon over TLS on 127.0.0.1 (an ephemeral port) until the block ends."""
    async with trio.open_nursery() as nursery:
        listener = (await trio.open_tcp_listeners(0, host="127.0.0.1"))[0]
        port = listener.socket.getsockname()[1]
        daemon = FakeDaemon(handler, nursery)
        served = Served(f"tcp://127.0.0.1:{port}", port, daemon, [])

        async def one(tcp: Any) -> None:
            stream = trio.SSLStream(tcp, ctx, server_side=True)
            try:
                await stream.do_handshake()
            except trio.BrokenResourceError as exc:
                served.handshake_errors.append(str(exc.__cause__))
                await trio.aclose_forcefully(stream)
                return
            except BaseException:  # (the daemon ended mid-handshake: no socket kept)
                await trio.aclose_forcefully(stream)
                raise
            await daemon._serve(stream)

        async def accept_loop() -> None:
            async with listener:
                while True:
                    tcp = await listener.accept()
                    daemon.opened += 1
                    nursery.start_soon(one, tcp)

        nursery.start_soon(accept_loop)
        try:
            yield served
        finally:
            nursery.cancel_scope.cancel()
