"""ssh:// hosts in dockproto.resolve_host: the address read as the docker CLI reads it,
the ssh command built as its connection helper builds it, the error text made from
ssh's stderr, and the bound on connections at once."""

from __future__ import annotations

import pytest

from dockproto import resolve_host
from dockproto._hosts import (
    SSH_MAX_CONNECTIONS,
    SSH_OPTIONS,
    SSH_REASON_CHARS,
    ssh_argv,
    ssh_failed,
    ssh_reason,
)

DIAL = "docker system dial-stdio"


@pytest.mark.parametrize(
    ("address", "argv", "user", "host", "port"),
    [
        ("ssh://remote", ["--", "remote", DIAL], None, "remote", None),
        ("ssh://me@remote", ["-l", "me", "--", "remote", DIAL], "me", "remote", None),
        ("ssh://remote:2222", ["-p", "2222", "--", "remote", DIAL], None, "remote", 2222),
        (
            "ssh://me@10.0.0.1:22",
            ["-l", "me", "-p", "22", "--", "10.0.0.1", DIAL],
            "me",
            "10.0.0.1",
            22,
        ),
        ("ssh://[::1]:2200", ["-p", "2200", "--", "::1", DIAL], None, "::1", 2200),
        ("ssh://[fe80::1]", ["--", "fe80::1", DIAL], None, "fe80::1", None),
        ("ssh://me@remote/", ["-l", "me", "--", "remote", DIAL], "me", "remote", None),
        (
            "ssh://remote/run/user/1000/docker.sock",
            ["--", "remote", "docker --host=unix:///run/user/1000/docker.sock system dial-stdio"],
            None,
            "remote",
            None,
        ),
        (
            "ssh://remote/tmp/a b;rm",
            ["--", "remote", "docker '--host=unix:///tmp/a b;rm' system dial-stdio"],
            None,
            "remote",
            None,
        ),
        ("ssh://a@b@remote", ["-l", "a@b", "--", "remote", DIAL], "a@b", "remote", None),
        (
            "ssh://-oProxyCommand=x",
            ["--", "-oProxyCommand=x", DIAL],
            None,
            "-oProxyCommand=x",
            None,
        ),
    ],
)
def test_argv(address: str, argv: list[str], user: str | None, host: str, port: int | None) -> None:
    """ssh [-l USER] [-p PORT] OPTIONS -- HOST 'docker system dial-stdio', as the docker
    CLI's connection helper runs it; the host after ``--`` (never an option); a socket
    path in the address quoted for the remote shell."""
    spec = resolve_host(address, env={})
    assert spec.kind == "ssh"
    assert (spec.user, spec.host, spec.port, spec.path) == (user, host, port, None)
    options = [a for a in argv if a in ("-l", "-p")]
    head = argv[: 2 * len(options)]
    assert spec.argv == ("ssh", *head, *SSH_OPTIONS, *argv[2 * len(options) :])
    assert spec.address == address
    assert spec.tls is False and spec.cert_dir is None
    assert spec.http_host == "docker"


def test_options_never_override_the_users_config() -> None:
    """Only the docker CLI's own options (a connection time limit, no terminal) and
    BatchMode (never a prompt): nothing about config files, known hosts or identities."""
    assert SSH_OPTIONS == ("-o", "ConnectTimeout=30", "-T", "-o", "BatchMode=yes")
    argv = " ".join(ssh_argv("h", user="u", port=1))
    for word in ("-F", "-i", "StrictHostKeyChecking", "UserKnownHostsFile", "IdentityFile"):
        assert word not in argv


def test_from_docker_host() -> None:
    """DOCKER_HOST=ssh://... is an ssh host too."""
    spec = resolve_host(env={"DOCKER_HOST": "ssh://me@remote"})
    assert spec.argv is not None and spec.argv[0] == "ssh"


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("ssh://", "no host in 'ssh://'"),
        ("ssh://me@", "no host in"),
        ("ssh://@remote", "an empty user name"),
        (
            "ssh://me:secret@remote",
            r"a password in an ssh host is not supported: 'ssh://me:\*\*\*@remote'",
        ),
        ("ssh://remote:abc", "bad port in 'ssh://remote:abc'"),
        ("ssh://remote:0", "bad port"),
        ("ssh://remote:70000", "bad port"),
        ("ssh://[::1]x", "bad port"),
        ("ssh://remote?x=1", "query parameters are not allowed"),
        ("ssh://remote/p#frag", "fragments are not allowed"),
    ],
)
def test_bad_ssh_addresses(address: str, message: str) -> None:
    """Unusable ssh addresses are a ValueError naming the address (a password never
    shown)."""
    with pytest.raises(ValueError, match=message) as info:
        resolve_host(address, env={})
    assert "secret" not in str(info.value)


def test_bound() -> None:
    """An ssh host's connections at once are bounded (each one an ssh login: sshd's
    MaxStartups refuses bursts); other hosts' are not."""
    assert 1 <= SSH_MAX_CONNECTIONS <= 10  # (sshd's default MaxStartups starts at 10)
    assert resolve_host("ssh://h", env={}).max_connections == SSH_MAX_CONNECTIONS
    assert resolve_host("unix:///s", env={}).max_connections is None
    assert resolve_host("tcp://h:1", env={}).max_connections is None


def test_reason_from_stderr() -> None:
    """The reason: the exit status and ssh's last lines, trimmed."""
    assert (
        ssh_reason(b"Host key verification failed.\r\n", 255)
        == "ssh exited with status 255: Host key verification failed."
    )
    text = b"Warning: something\nssh: connect to host 127.0.0.1 port 1: Connection refused\n"
    assert ssh_reason(text, 255) == (
        "ssh exited with status 255: Warning: something "
        "ssh: connect to host 127.0.0.1 port 1: Connection refused"
    )
    assert ssh_reason(b"", 255) == "ssh exited with status 255"
    assert ssh_reason(b"", -9) == "ssh was killed by signal 9"
    assert ssh_reason(b"  \n", None) == "ssh ended the connection"
    assert ssh_reason(b"\xff\xfe bad\n", 1).endswith("\ufffd\ufffd bad")


def test_reason_is_bounded() -> None:
    """A long stderr keeps its last lines only, within SSH_REASON_CHARS (a long last
    line is cut from the front)."""
    many = b"".join(b"debug line %d\n" % i for i in range(1000)) + b"the end\n"
    reason = ssh_reason(many, 255)
    assert reason.endswith("debug line 999 the end")
    assert len(reason) <= SSH_REASON_CHARS + len("ssh exited with status 255: ")
    long_line = b"x" * 5000 + b" tail\n"
    reason = ssh_reason(long_line, 255)
    assert reason.endswith(" tail") and "..." in reason
    assert len(reason) <= SSH_REASON_CHARS + len("ssh exited with status 255: ")


@pytest.mark.parametrize(
    ("returncode", "received", "failed"),
    [
        (255, 0, True),  # refused, unknown host key, resolution failure
        (127, 0, True),  # no docker on the far side
        (0, 0, False),  # ended cleanly before anything (the daemon closed)
        (None, 0, False),  # still running after the wait: not judged failed
        (255, 10, False),  # it worked; the connection broke later (a ProtocolError)
    ],
)
def test_failed(returncode: int | None, received: int, failed: bool) -> None:
    """A failed connection: ssh exited with an error before a byte came through."""
    assert ssh_failed(returncode, received) is failed
