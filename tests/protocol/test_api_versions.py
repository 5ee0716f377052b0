"""Parameters and body fields of a later API version than the connection's are refused.

A daemon ignores what its version does not have, so the request is refused before any
byte is produced, naming the version it needs; at that version, or on an unversioned
connection (the daemon's own version), it goes out.  Every entry of the tables in
``dockproto._since`` is exercised.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

import dockproto
from dockproto import Connection, State, api
from dockproto._since import CONTAINER_CONFIG, CREATE_BODY, PARAMETERS, UPDATE_BODY, FieldPath

PARAMETER_CALLS: dict[str, Callable[[], dockproto.Request[Any]]] = {
    "containers.stop(signal=...)": lambda: api.containers.stop("web", signal="SIGINT"),
    "containers.restart(signal=...)": lambda: api.containers.restart("web", 3, "SIGINT"),
    "images.list(shared_size=True)": lambda: api.images.list(shared_size=True),
}


def test_every_parameter_has_a_call() -> None:
    """The table and the calls below name the same parameters."""
    assert set(PARAMETER_CALLS) == set(PARAMETERS)


def refused(req: dockproto.Request[Any], version: str) -> str:
    conn = Connection(version)
    with pytest.raises(ValueError) as info:
        conn.send_request(req)
    assert conn.state is State.IDLE  # nothing sent: the connection is still usable
    conn.send_request(api.system.version())
    return str(info.value)


def accepted(req: dockproto.Request[Any], version: str | None) -> bytes:
    return Connection(version).send_request(req)


def test_stop_signal_needs_142() -> None:
    """``containers.stop(signal=)`` at 1.41 is a ValueError naming 1.42."""
    req = api.containers.stop("web", signal="SIGINT")
    assert refused(req, "1.41") == (
        "containers.stop(signal=...) needs API 1.42; this connection speaks 1.41"
    )
    assert accepted(req, "1.42").startswith(
        b"POST /v1.42/containers/web/stop?signal=SIGINT HTTP/1.1\r\n"
    )
    assert accepted(req, "1.44").startswith(b"POST /v1.44/containers/web/stop?signal=SIGINT ")
    assert accepted(req, None).startswith(b"POST /containers/web/stop?signal=SIGINT ")


def test_restart_takes_a_signal() -> None:
    """``containers.restart`` takes ``signal`` as ``stop`` does, from 1.42."""
    req = api.containers.restart("web", wait=3, signal=9)
    assert req.query == (("t", "3"), ("signal", "9"))
    assert "needs API 1.42" in refused(req, "1.41")
    assert accepted(req, "1.42").startswith(b"POST /v1.42/containers/web/restart?t=3&signal=9 ")


def test_images_shared_size_needs_142() -> None:
    """``images.list(shared_size=True)`` sends ``shared-size=true`` from 1.42 only."""
    req = api.images.list(shared_size=True)
    assert refused(req, "1.41") == (
        "images.list(shared_size=True) needs API 1.42; this connection speaks 1.41"
    )
    assert accepted(req, "1.42").startswith(b"GET /v1.42/images/json?shared-size=true ")
    assert accepted(req, None).startswith(b"GET /images/json?shared-size=true ")


@pytest.mark.parametrize("what", sorted(PARAMETERS))
def test_every_parameter_is_gated(what: str) -> None:
    """Each table entry: refused just below its version, accepted at it and unversioned."""
    req = PARAMETER_CALLS[what]()
    need = PARAMETERS[what]
    below = f"1.{int(need.split('.')[1]) - 1}"
    assert refused(req, below) == f"{what} needs API {need}; this connection speaks {below}"
    accepted(req, need)
    accepted(req, None)


def test_defaults_are_not_gated() -> None:
    """Calls that leave the newer parameters out carry no ``min_api`` and go out at 1.41."""
    for req in (
        api.containers.stop("web"),
        api.containers.stop("web", wait=1),
        api.containers.restart("web"),
        api.images.list(),
        api.images.list(all=True, digests=True),
        api.containers.create("busybox", ["true"], host_config={"Privileged": True}),
        api.containers.update("web", memory=1 << 20),
        api.containers.commit("web", config={"Cmd": ["sh"]}),
    ):
        assert req.min_api == ()
        accepted(req, "1.41")
    assert api.containers.stop("web").query == ()
    assert api.images.list().query == ()


def _body_with(path: FieldPath, value: Any) -> dict[str, Any]:
    """A body that sets the field at ``path`` (``*``: one list item or map value)."""
    node: Any = value
    for i, key in reversed(list(enumerate(path))):
        if key == "*":
            # a list under Mounts, a map under EndpointsConfig
            node = {"net1": node} if path[i - 1] == "EndpointsConfig" else [node]
        else:
            node = {key: node}
    assert isinstance(node, dict)
    return node


def _below(version: str) -> str:
    return f"1.{int(version.split('.')[1]) - 1}"


def _name(path: FieldPath) -> str:
    return ".".join(path).replace(".*", "[]")


@pytest.mark.parametrize("path,version", CREATE_BODY, ids=[_name(p) for p, _ in CREATE_BODY])
def test_create_fields_are_gated(path: FieldPath, version: str) -> None:
    """A ``create`` body field of a later version, given through ``host_config`` or
    ``config``, is refused below its version and sent at it."""
    body = _body_with(path, "x")
    if path[0] == "HostConfig":
        req = api.containers.create("busybox", host_config=body["HostConfig"])
    else:
        req = api.containers.create("busybox", config=body)
    what = f"containers.create({_name(path)})"
    assert req.min_api == ((what, version),)
    assert refused(req, _below(version)) == (
        f"{what} needs API {version}; this connection speaks {_below(version)}"
    )
    accepted(req, version)
    accepted(req, None)


@pytest.mark.parametrize("path,version", UPDATE_BODY, ids=[_name(p) for p, _ in UPDATE_BODY])
def test_update_fields_are_gated(path: FieldPath, version: str) -> None:
    """``update``'s per-device blkio fields take effect from 1.55; before, refused."""
    req = api.containers.update("web", resources={path[0]: [{"Path": "/dev/sda", "Rate": 1}]})
    assert re.fullmatch(
        rf"containers\.update\({path[0]}\) needs API 1\.55; this connection speaks 1\.44",
        refused(req, "1.44"),
    )
    accepted(req, "1.55")


@pytest.mark.parametrize("path,version", CONTAINER_CONFIG)
def test_commit_config_is_gated(path: FieldPath, version: str) -> None:
    """``commit``'s ``config`` is a container config: the same fields are gated."""
    req = api.containers.commit("web", config=_body_with(path, 10**9))
    assert req.min_api == ((f"containers.commit({_name(path)})", version),)
    assert "needs API 1.44" in refused(req, "1.43")
    accepted(req, "1.44")


def test_zero_values_are_not_gated() -> None:
    """A field set to its zero value (None, False, 0, empty) is what an older daemon acts
    on anyway: no gate."""
    req = api.containers.create(
        "busybox",
        host_config={
            "Annotations": {},
            "Mounts": [{"Type": "bind", "BindOptions": {"CreateMountpoint": False}}],
        },
        config={"Healthcheck": {"StartInterval": 0}, "NetworkingConfig": None},
    )
    assert req.min_api == ()


def test_every_late_field_is_named() -> None:
    """Several late fields at once are all named in one error."""
    req = api.containers.create(
        "busybox",
        host_config={"Annotations": {"a": "b"}},
        config={"Healthcheck": {"StartInterval": 10**9}},
    )
    assert refused(req, "1.41") == (
        "containers.create(Healthcheck.StartInterval) needs API 1.44; "
        "containers.create(HostConfig.Annotations) needs API 1.43; "
        "this connection speaks 1.41"
    )
    assert refused(req, "1.43") == (
        "containers.create(Healthcheck.StartInterval) needs API 1.44; this connection speaks 1.43"
    )
    accepted(req, "1.44")
