"""What the ssh and context tests share: the private sshd (``scripts/sshd``), a home of
the test's own for ssh (``~/.ssh/config``, a key, ``known_hosts``), the ssh children of
this process, and the docker CLI run on a configuration folder of the test's own.

ssh reads ``~`` from the password database, not from ``HOME``: the environment made
here runs it with nss_wrapper (``LD_PRELOAD`` of Debian's libnss_wrapper, with a passwd
file of the test's own whose home is the temporary one), so that ssh finds the test's
``~/.ssh/config`` and ``known_hosts`` exactly as it finds a user's.  That environment
is given to the clients the tests open (``open_docker(env=...)``), never set on this
process: the user's own files are never read or written.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ALIAS = "dockproto-sshd"  # the Host of the test's ~/.ssh/config


def sshd() -> dict[str, str]:
    """The private sshd's lines (``DOCKPROTO_SSHD_*``): from the environment
    (``scripts/test`` exports them), else from ``scripts/sshd env`` if it runs; else the
    test is skipped (an error with ``DOCKPROTO_REQUIRE_ENGINES=1``)."""
    names = ("PORT", "HOSTKEY_PUB", "AUTHORIZED_KEYS", "NSS_WRAPPER")
    found = {n: os.environ.get(f"DOCKPROTO_SSHD_{n}", "") for n in names}
    if not all(found.values()):
        done = subprocess.run(
            [str(ROOT / "scripts" / "sshd"), "env"], capture_output=True, text=True, check=False
        )
        for line in done.stdout.splitlines():
            key, _, value = line.partition("=")
            if key.startswith("DOCKPROTO_SSHD_"):
                found[key[len("DOCKPROTO_SSHD_") :]] = value
    if not all(found.values()):
        if os.environ.get("DOCKPROTO_REQUIRE_ENGINES") == "1":
            pytest.fail("no private sshd: run scripts/sshd start (scripts/test does)")
        pytest.skip("no private sshd (scripts/sshd start)")
    return found


@dataclass
class SshHome:
    """A home for ssh: ``env`` for the clients (HOME, DOCKER_CONFIG, nss_wrapper),
    ``host`` the ssh address of the private sshd through the config's alias."""

    home: Path
    env: dict[str, str]
    port: int
    host: str = f"ssh://{ALIAS}"


def base_env(home: Path) -> dict[str, str]:
    """This process's environment without the Docker variables, with ``home`` as HOME
    and ``home/.docker`` as DOCKER_CONFIG."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKER_")}
    env["HOME"] = str(home)
    env["DOCKER_CONFIG"] = str(home / ".docker")
    return env


@contextmanager
def ssh_home(root: Path, *, known: bool = True) -> Iterator[SshHome]:
    """A home under ``root`` whose ``~/.ssh/config`` names the private sshd as ``ALIAS``
    (Port, User, IdentityFile, UserKnownHostsFile), with a key of its own authorized
    there while the block runs; ``known``: whether ``known_hosts`` holds the sshd's host
    key (else it is empty: an unknown host)."""
    lines = sshd()
    home = root / f"home-{uuid.uuid4().hex[:8]}"
    dot_ssh = home / ".ssh"
    dot_ssh.mkdir(parents=True, mode=0o700)
    key = dot_ssh / "id_ed25519"
    comment = f"dockproto-test-{uuid.uuid4().hex}"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(key)], check=True
    )
    port = int(lines["PORT"])
    hostkey = " ".join(Path(lines["HOSTKEY_PUB"]).read_text().split()[:2])
    known_hosts = dot_ssh / "known_hosts"
    known_hosts.write_text(f"[127.0.0.1]:{port} {hostkey}\n" if known else "")
    (dot_ssh / "config").write_text(
        f"Host {ALIAS}\n"
        f"  HostName 127.0.0.1\n"
        f"  Port {port}\n"
        f"  User root\n"
        f"  IdentityFile {key}\n"
        f"  IdentitiesOnly yes\n"
        f"  UserKnownHostsFile {known_hosts}\n"
    )
    passwd, group = home / "passwd", home / "group"
    passwd.write_text(f"root:x:0:0:root:{home}:/bin/sh\n")
    group.write_text("root:x:0:\n")
    env = base_env(home)
    env.pop("SSH_AUTH_SOCK", None)  # (the test's key only)
    env.update(
        LD_PRELOAD=lines["NSS_WRAPPER"],
        NSS_WRAPPER_PASSWD=str(passwd),
        NSS_WRAPPER_GROUP=str(group),
    )
    authorized = Path(lines["AUTHORIZED_KEYS"])
    with authorized.open("a") as f:  # (one short append: other tests' lines stay whole)
        f.write((dot_ssh / "id_ed25519.pub").read_text())
    try:
        yield SshHome(home, env, port)
    finally:
        forget_key(authorized, comment)


def forget_key(authorized: Path, comment: str) -> None:
    """The test's key out of the authorized keys again (others' lines kept)."""
    try:
        kept = [line for line in authorized.read_text().splitlines(True) if comment not in line]
    except FileNotFoundError:
        return
    tmp = authorized.with_name(f"{authorized.name}.{uuid.uuid4().hex[:8]}")
    tmp.write_text("".join(kept))
    tmp.chmod(0o600)
    tmp.replace(authorized)


def ssh_children() -> list[int]:
    """This process's child processes named ``ssh`` (running or not yet reaped)."""
    me = os.getpid()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue  # (gone meanwhile)
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        if ppid == me and comm == "ssh":
            found.append(int(entry))
    return found


def docker_cli(env: dict[str, str], *args: str) -> str:
    """The real docker CLI, on the test's own configuration folder (``env``'s HOME and
    DOCKER_CONFIG); its stdout."""
    docker = shutil.which("docker")
    if docker is None:
        pytest.fail("no docker CLI (Debian's docker.io: scripts/engines installs it)")
    done = subprocess.run(
        [docker, *args], env=env, capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 0, (args, done.stderr)
    return done.stdout
