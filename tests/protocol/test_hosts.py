"""dockproto.resolve_host: the daemon's address and TLS from arguments and an env mapping."""

from __future__ import annotations

import os
from typing import Any

import pytest

import dockproto
from dockproto import DEFAULT_HOST, HostSpec, resolve_host

HOME = {"HOME": "/home/me"}


def test_default_is_the_unix_socket() -> None:
    """No argument and no DOCKER_HOST: the default Unix socket, without TLS."""
    spec = resolve_host(env={})
    assert DEFAULT_HOST == "unix:///var/run/docker.sock"
    assert spec == HostSpec(DEFAULT_HOST, "unix", path="/var/run/docker.sock")
    assert (spec.tls, spec.verify, spec.cert_dir, spec.ca_file) == (False, False, None, None)


def test_docker_host_from_env() -> None:
    """DOCKER_HOST is used when no host is given."""
    spec = resolve_host(env={"DOCKER_HOST": "unix:///run/user/1/docker.sock"})
    assert (spec.kind, spec.path) == ("unix", "/run/user/1/docker.sock")


def test_argument_beats_env() -> None:
    """An explicit host wins over DOCKER_HOST."""
    spec = resolve_host("tcp://arg:1", env={"DOCKER_HOST": "tcp://env:2"})
    assert (spec.host, spec.port, spec.address) == ("arg", 1, "tcp://arg:1")


def test_empty_argument_falls_back_to_env() -> None:
    """An empty host string counts as none: DOCKER_HOST, else the default, decides."""
    assert resolve_host("", env={"DOCKER_HOST": "tcp://env:2"}).host == "env"
    assert resolve_host("", env={"DOCKER_HOST": ""}).address == DEFAULT_HOST


def test_unix_url() -> None:
    """unix://PATH names a socket path."""
    spec = resolve_host("unix:///run/d.sock", env={})
    assert spec == HostSpec("unix:///run/d.sock", "unix", path="/run/d.sock")


def test_unix_url_without_path() -> None:
    """unix:// with no path is a ValueError naming the address."""
    with pytest.raises(ValueError, match=r"no socket path in 'unix://'"):
        resolve_host("unix://", env={})


@pytest.mark.parametrize("path", ["/run/d.sock", "./d.sock"])
def test_bare_paths(path: str) -> None:
    """A bare absolute or ./-relative path is a Unix socket, kept as given."""
    assert resolve_host(path, env={}) == HostSpec(path, "unix", path=path)


def test_unix_ignores_tls() -> None:
    """TLS applies to TCP only: a Unix socket stays plain whatever tls or the env say."""
    env = {"DOCKER_TLS_VERIFY": "1", **HOME}
    assert not resolve_host("/run/d.sock", tls=True, env=env).tls
    assert not resolve_host("unix:///run/d.sock", env=env).tls


def test_tcp_with_port() -> None:
    """tcp://HOST:PORT gives that host and port, plain by default."""
    spec = resolve_host("tcp://10.1.2.3:2375", env={})
    assert spec == HostSpec("tcp://10.1.2.3:2375", "tcp", host="10.1.2.3", port=2375)


def test_tcp_without_port() -> None:
    """tcp:// without a port: 2375 plain, 2376 with TLS."""
    assert resolve_host("tcp://example", env={}).port == 2375
    assert resolve_host("tcp://example", tls=True, env=HOME).port == 2376
    assert resolve_host("tcp://example:", env={}).port == 2375


def test_tcp_trailing_slash() -> None:
    """Trailing slashes after the address are dropped."""
    spec = resolve_host("tcp://h:1/", env={})
    assert (spec.host, spec.port) == ("h", 1)


def test_ipv6_addresses() -> None:
    """[v6]:PORT and [v6] give the bare IPv6 host."""
    spec = resolve_host("tcp://[::1]:9", env={})
    assert (spec.host, spec.port) == ("::1", 9)
    spec = resolve_host("tcp://[fe80::1]", env={})
    assert (spec.host, spec.port) == ("fe80::1", 2375)


def test_http_schemes() -> None:
    """http:// is plain TCP; https:// turns TLS on unless tls=False."""
    assert not resolve_host("http://h", env={}).tls
    spec = resolve_host("https://h", env=HOME)
    assert (spec.kind, spec.tls, spec.verify, spec.port) == ("tcp", True, True, 2376)
    assert not resolve_host("https://h", tls=False, env=HOME).tls


@pytest.mark.parametrize(
    ("value", "tls"), [("1", True), ("true", True), ("0", True), ("no", True), ("", False)]
)
def test_docker_tls_verify_values(value: str, tls: bool) -> None:
    """Any non-empty DOCKER_TLS_VERIFY (even "0") turns verified TLS on, as in the CLI."""
    spec = resolve_host("tcp://h", env={"DOCKER_TLS_VERIFY": value, **HOME})
    assert (spec.tls, spec.verify) == (tls, tls)


def test_tls_argument_beats_docker_tls_verify() -> None:
    """tls=False turns TLS off despite DOCKER_TLS_VERIFY; tls=True turns it on without it."""
    assert not resolve_host("tcp://h", tls=False, env={"DOCKER_TLS_VERIFY": "1"}).tls
    spec = resolve_host("tcp://h", tls=True, env=HOME)
    assert (spec.tls, spec.verify) == (True, True)


def test_tls_argument_beats_env_host_tls() -> None:
    """tls= applies to a DOCKER_HOST from the env too."""
    spec = resolve_host(tls=True, env={"DOCKER_HOST": "tcp://h", **HOME})
    assert (spec.host, spec.tls, spec.port) == ("h", True, 2376)


def test_cert_path_from_env() -> None:
    """DOCKER_CERT_PATH names the folder of ca.pem, cert.pem and key.pem."""
    spec = resolve_host("tcp://h", tls=True, env={"DOCKER_CERT_PATH": "/certs", **HOME})
    assert spec.cert_dir == "/certs"
    assert (spec.ca_file, spec.cert_file, spec.key_file) == (
        "/certs/ca.pem",
        "/certs/cert.pem",
        "/certs/key.pem",
    )


@pytest.mark.parametrize(
    ("home", "folder"),
    [("/home/me", "/home/me/.docker"), ("/home/me/", "/home/me/.docker"), ("/", "/.docker")],
)
def test_cert_path_defaults_to_home_docker(home: str, folder: str) -> None:
    """Without DOCKER_CERT_PATH (or with it empty) the folder is ~/.docker, ~ from env HOME."""
    assert resolve_host("tcp://h", tls=True, env={"HOME": home}).cert_dir == folder
    env = {"HOME": home, "DOCKER_CERT_PATH": ""}
    assert resolve_host("tcp://h", tls=True, env=env).ca_file == folder + "/ca.pem"


def test_tls_without_cert_path_or_home() -> None:
    """TLS with neither DOCKER_CERT_PATH nor HOME in the mapping is a ValueError."""
    with pytest.raises(ValueError, match="HOME"):
        resolve_host("tcp://h", tls=True, env={})


def test_no_cert_dir_without_tls() -> None:
    """Plain TCP names no certificate files, and needs no HOME."""
    spec = resolve_host("tcp://h", env={"DOCKER_CERT_PATH": "/certs"})
    assert (spec.cert_dir, spec.ca_file, spec.cert_file, spec.key_file) == (None,) * 4


@pytest.mark.parametrize(
    ("address", "message"),
    [
        (
            "ftp://host",
            r"unsupported Docker host 'ftp://host' \(unix://, tcp://, ssh:// or a path\)",
        ),
        ("npipe:////./pipe/docker_engine", "unsupported Docker host"),
        ("d.sock", r"unsupported Docker host 'd.sock'"),
        ("tcp://", r"no host in 'tcp://'"),
        ("tcp://:2375", r"no host in 'tcp://:2375'"),
        ("tcp://h:abc", r"bad port in 'tcp://h:abc'"),
    ],
)
def test_bad_addresses(address: str, message: str) -> None:
    """Unusable addresses are a ValueError naming the address."""
    with pytest.raises(ValueError, match=message):
        resolve_host(address, env={})


def test_bad_env_address() -> None:
    """A bad DOCKER_HOST is a ValueError naming it."""
    with pytest.raises(ValueError, match="'bogus'"):
        resolve_host(env={"DOCKER_HOST": "bogus"})


def test_os_environ_is_never_read(monkeypatch: Any) -> None:
    """Only the mapping given is read: os.environ's DOCKER_* and HOME change nothing."""
    monkeypatch.setenv("DOCKER_HOST", "tcp://from-os-environ:1")
    monkeypatch.setenv("DOCKER_TLS_VERIFY", "1")
    monkeypatch.setenv("DOCKER_CERT_PATH", "/os/certs")
    assert resolve_host(env={}).address == DEFAULT_HOST
    assert not resolve_host("tcp://h", env={}).tls
    assert resolve_host("tcp://h", tls=True, env=HOME).cert_dir == "/home/me/.docker"
    assert os.environ["DOCKER_HOST"] == "tcp://from-os-environ:1"


def test_exported() -> None:
    """The host names are public in dockproto."""
    assert {"DEFAULT_HOST", "HostSpec", "resolve_host"} <= set(dockproto.__all__)
    assert dockproto.HostSpec.__doc__ and dockproto.resolve_host.__doc__
