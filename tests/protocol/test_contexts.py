"""Docker contexts in dockproto.resolve_host: the docker CLI's order (an explicit host or
context, DOCKER_HOST, DOCKER_CONTEXT, currentContext, the default socket),
meta.json and the TLS material, read through a reader given the files as a dict."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

import dockproto
from dockproto import DEFAULT_HOST, DockerContext, resolve_host
from dockproto._hosts import (
    context_meta_path,
    context_tls_dir,
    current_context,
    load_context,
    parse_context_meta,
    with_current_context,
)

CFG = "/cfg"  # DOCKER_CONFIG of every table row
BASE = {"HOME": "/home/me", "DOCKER_CONFIG": CFG}


def sha(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def meta(name: str, host: str, *, skip: bool = False, description: str = "") -> bytes:
    """meta.json as `docker context create` writes it."""
    metadata = {"Description": description} if description else {}
    return json.dumps(
        {
            "Name": name,
            "Metadata": metadata,
            "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": skip}},
        }
    ).encode()


def files(current: str | None = None, **contexts: str) -> dict[str, bytes]:
    """A configuration folder: config.json (with currentContext) and one meta.json per
    context (name=host)."""
    found = {f"{CFG}/contexts/meta/{sha(n)}/meta.json": meta(n, h) for n, h in contexts.items()}
    if current is not None:
        found[f"{CFG}/config.json"] = json.dumps({"auths": {}, "currentContext": current}).encode()
    return found


class Reader:
    """The reader the I/O client gives: paths in, bytes out; remembers what it was asked."""

    def __init__(self, store: dict[str, bytes]) -> None:
        self.store = store
        self.asked: list[str] = []

    def __call__(self, path: str) -> bytes | None:
        self.asked.append(path)
        return self.store.get(path)


# (explicit host, explicit context, DOCKER_HOST, DOCKER_CONTEXT, currentContext) -> address
ORDER = [
    ("host", "tcp://arg:1", None, "tcp://env:2", "ctxenv", "ctxcfg", "tcp://arg:1"),
    ("DOCKER_HOST", None, None, "tcp://env:2", "ctxenv", "ctxcfg", "tcp://env:2"),
    ("context= beats DOCKER_HOST", None, "ctxarg", "tcp://env:2", "ctxenv", None, "tcp://ctxarg:4"),
    ("context=", None, "ctxarg", None, "ctxenv", "ctxcfg", "tcp://ctxarg:4"),
    ("DOCKER_CONTEXT", None, None, None, "ctxenv", "ctxcfg", "tcp://ctxenv:5"),
    ("currentContext", None, None, None, None, "ctxcfg", "tcp://ctxcfg:6"),
    ("default socket", None, None, None, None, None, DEFAULT_HOST),
    ("DOCKER_CONTEXT=default", None, None, None, "default", "ctxcfg", DEFAULT_HOST),
    ("currentContext default", None, None, None, None, "default", DEFAULT_HOST),
    ("context=default", None, "default", None, "ctxenv", "ctxcfg", DEFAULT_HOST),
    ("empty DOCKER_CONTEXT", None, None, None, "", "ctxcfg", "tcp://ctxcfg:6"),
    ("empty currentContext", None, None, None, None, "", DEFAULT_HOST),
]


@pytest.mark.parametrize(
    ("host", "context", "docker_host", "docker_context", "current", "expected"),
    [row[1:] for row in ORDER],
    ids=[row[0] for row in ORDER],
)
def test_resolution_order(
    host: str | None,
    context: str | None,
    docker_host: str | None,
    docker_context: str | None,
    current: str | None,
    expected: str,
) -> None:
    """The first of: host or context= (the docker CLI's -H and --context), DOCKER_HOST,
    DOCKER_CONTEXT, currentContext, the default socket (``default`` as a context name
    is DOCKER_HOST or the socket)."""
    env = dict(BASE)
    if docker_host is not None:
        env["DOCKER_HOST"] = docker_host
    if docker_context is not None:
        env["DOCKER_CONTEXT"] = docker_context
    read = Reader(
        files(current, ctxarg="tcp://ctxarg:4", ctxenv="tcp://ctxenv:5", ctxcfg="tcp://ctxcfg:6")
    )
    spec = resolve_host(host, env=env, read=read, context=context)
    assert spec.address == expected
    named = expected.split("//")[1].split(":")[0]
    assert spec.context == (named if named.startswith("ctx") else None)


def test_files_read_only_when_needed() -> None:
    """An explicit host or DOCKER_HOST reads no file; DOCKER_CONTEXT reads its meta.json
    (and the TLS files) but not config.json."""
    read = Reader(files("ctxcfg", ctxcfg="tcp://c:1", ctxenv="tcp://e:1"))
    resolve_host("tcp://h:1", env=BASE, read=read)
    resolve_host(env={**BASE, "DOCKER_HOST": "tcp://h:1"}, read=read)
    assert read.asked == []
    resolve_host(env={**BASE, "DOCKER_CONTEXT": "ctxenv"}, read=read)
    assert f"{CFG}/config.json" not in read.asked
    assert read.asked[0] == f"{CFG}/contexts/meta/{sha('ctxenv')}/meta.json"


def test_without_reader_no_context() -> None:
    """Without a reader, contexts are not consulted (the mapping alone decides); an
    explicit context then cannot be read."""
    env = {**BASE, "DOCKER_CONTEXT": "ctxenv"}
    assert resolve_host(env=env).address == DEFAULT_HOST
    with pytest.raises(ValueError, match="the context 'x' cannot be read"):
        resolve_host(env=env, context="x")


def test_config_dir_defaults_to_home() -> None:
    """Without DOCKER_CONFIG, config.json and contexts/ are in ~/.docker (~ from HOME)."""
    env = {"HOME": "/home/me"}
    assert context_meta_path(env, "x") == f"/home/me/.docker/contexts/meta/{sha('x')}/meta.json"
    assert context_tls_dir(env, "x") == f"/home/me/.docker/contexts/tls/{sha('x')}/docker"
    store = {
        "/home/me/.docker/config.json": b'{"currentContext": "x"}',
        f"/home/me/.docker/contexts/meta/{sha('x')}/meta.json": meta("x", "tcp://x:9"),
    }
    assert resolve_host(env=env, read=Reader(store)).address == "tcp://x:9"


def test_missing_context_is_named() -> None:
    """A context that does not exist: a ValueError naming it (and where it was looked
    for), from DOCKER_CONTEXT, currentContext or context= alike."""
    read = Reader(files("gone"))
    for env, context in (
        ({**BASE, "DOCKER_CONTEXT": "gone"}, None),
        (BASE, None),
        (BASE, "gone"),
    ):
        with pytest.raises(ValueError, match=r"Docker context 'gone' does not exist") as info:
            resolve_host(env=env, read=read, context=context)
        assert sha("gone") in str(info.value)


def test_host_and_context_together_refused() -> None:
    """An explicit host and an explicit context are refused, as the docker CLI does."""
    with pytest.raises(ValueError, match="both given"):
        resolve_host("tcp://h:1", env=BASE, read=Reader({}), context="x")


def test_context_tls_material() -> None:
    """A context with ca.pem/cert.pem/key.pem under contexts/tls/<sha>/docker: TLS,
    verifying, with those files; SkipTLSVerify: TLS without verifying; neither: plain
    (DOCKER_TLS_VERIFY and DOCKER_CERT_PATH are not the context's)."""
    tls_dir = f"{CFG}/contexts/tls/{sha('t')}/docker"
    store = files(t="tcp://127.0.0.1:23760", k="tcp://127.0.0.1:23760", p="tcp://h")
    store[f"{CFG}/contexts/meta/{sha('k')}/meta.json"] = meta(
        "k", "tcp://127.0.0.1:23760", skip=True
    )
    for name in ("ca.pem", "cert.pem", "key.pem"):
        store[f"{tls_dir}/{name}"] = b"PEM"
    env = {**BASE, "DOCKER_CERT_PATH": "/elsewhere"}
    spec = resolve_host(env=env, read=Reader(store), context="t")
    assert (spec.tls, spec.verify, spec.cert_dir) == (True, True, tls_dir)
    assert (spec.ca_file, spec.cert_file, spec.key_file) == (
        f"{tls_dir}/ca.pem",
        f"{tls_dir}/cert.pem",
        f"{tls_dir}/key.pem",
    )
    assert spec.port == 23760
    skip = resolve_host(env=env, read=Reader(store), context="k")
    assert (skip.tls, skip.verify) == (True, False)
    plain = resolve_host(env={**env, "DOCKER_TLS_VERIFY": ""}, read=Reader(store), context="p")
    assert (plain.tls, plain.port, plain.cert_dir) == (False, 2375, None)
    # tls=False given explicitly: plain, whatever the context has
    assert not resolve_host(env=env, read=Reader(store), context="t", tls=False).tls


def test_context_ca_only() -> None:
    """Only ca.pem (a context made with ca= alone): TLS, verifying, no client certificate
    loaded unless cert.pem and key.pem exist (the client checks)."""
    tls_dir = f"{CFG}/contexts/tls/{sha('c')}/docker"
    store = {**files(c="tcp://h:2376"), f"{tls_dir}/ca.pem": b"PEM"}
    spec = resolve_host(env=BASE, read=Reader(store), context="c")
    assert (spec.tls, spec.verify, spec.cert_dir) == (True, True, tls_dir)


def test_ssh_and_unix_contexts() -> None:
    """A context's host may be ssh:// (the ssh command) or unix://."""
    store = files(s="ssh://me@remote:2222", u="unix:///run/other.sock")
    spec = resolve_host(env=BASE, read=Reader(store), context="s")
    assert (spec.kind, spec.user, spec.host, spec.port, spec.context) == (
        "ssh",
        "me",
        "remote",
        2222,
        "s",
    )
    assert spec.argv is not None and spec.argv[-2:] == ("remote", "docker system dial-stdio")
    unix = resolve_host(env=BASE, read=Reader(store), context="u")
    assert (unix.kind, unix.path) == ("unix", "/run/other.sock")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b"not json", "is not valid JSON"),
        (b"[]", "is not a JSON object"),
        (b'{"Metadata": {}}', "names no context"),
        (b'{"Name": "x", "Endpoints": {}}', "context 'x' has no docker endpoint"),
        (b'{"Name": "x", "Endpoints": {"docker": {"Host": ""}}}', "context 'x' has no Docker host"),
    ],
)
def test_bad_meta(text: bytes, message: str) -> None:
    """A meta.json that does not parse, or has no Docker endpoint: a ValueError naming
    the file (or the context)."""
    with pytest.raises(ValueError, match=message):
        parse_context_meta(text, "/cfg/contexts/meta/x/meta.json")


def test_meta_of_another_name() -> None:
    """A meta.json under another context's folder is refused."""
    store = {context_meta_path(BASE, "a"): meta("b", "tcp://h:1")}
    with pytest.raises(ValueError, match="is the context 'b', not 'a'"):
        load_context("a", BASE, Reader(store))


def test_parse_meta_fields() -> None:
    """Name, description, host and SkipTLSVerify, as `docker context create` writes them."""
    found = parse_context_meta(meta("n", "tcp://h:1", skip=True, description="about"))
    assert found == DockerContext("n", "about", "tcp://h:1", True)
    assert dockproto.DockerContext is DockerContext


def test_bad_config_json() -> None:
    """config.json that does not parse is a ValueError naming it; no file, or no key,
    is the default context."""
    with pytest.raises(ValueError, match=r"/cfg/config\.json is not valid JSON"):
        resolve_host(env=BASE, read=Reader({f"{CFG}/config.json": b"{"}))
    with pytest.raises(ValueError, match=r"currentContext in config\.json is not a string"):
        current_context(b'{"currentContext": 3}')
    assert current_context(None) == current_context(b"{}") == current_context(b"") == "default"


def test_with_current_context_keeps_other_keys() -> None:
    """`context use`: currentContext set (removed for default), other keys kept."""
    before = b'{"auths": {"r": {"auth": "eA=="}}, "credsStore": "pass", "currentContext": "a"}'
    after: Any = json.loads(with_current_context(before, "b"))
    assert after == {"auths": {"r": {"auth": "eA=="}}, "credsStore": "pass", "currentContext": "b"}
    back: Any = json.loads(with_current_context(before, "default"))
    assert back == {"auths": {"r": {"auth": "eA=="}}, "credsStore": "pass"}
    assert json.loads(with_current_context(None, "x")) == {"currentContext": "x"}
    with pytest.raises(ValueError, match="not valid JSON"):
        with_current_context(b"{", "x")
