"""What ``Result.value`` is for each builder's answer: what its ``Request[T]`` says.

Every builder names ``T`` in its return annotation; each one's answer, as a daemon
sends it, gives a value of that type.  Answers that stay plain JSON are checked for
their shape (an object, or an array of objects) when they arrive; anything else is a
``ProtocolError``, like a model that cannot be built from what the daemon sent.
"""

from __future__ import annotations

import inspect
import json
import types
from collections.abc import Callable
from typing import Any, Union, get_args, get_origin, get_type_hints

import pytest

import dockproto
from dockproto import Connection, Expect, FromBody, FromImage, api


def answer(req: dockproto.Request[Any], body: bytes | None, status: int = 200) -> Any:
    """Send ``req``, feed the answer ``body`` (JSON bytes, or None for no body), and
    return the ``Result``'s value."""
    conn = Connection("1.41")
    conn.send_request(req)
    head = b"HTTP/1.1 %d X\r\nContent-Length: %d\r\n\r\n" % (status, len(body or b""))
    conn.receive_data(head + (body or b""))
    events = []
    while (ev := conn.next_event()) is not dockproto.NEED_DATA:
        events.append(ev)
        if isinstance(ev, dockproto.EndOfMessage):
            break
    assert [type(e) for e in events] == [
        dockproto.Response,
        dockproto.Result,
        dockproto.EndOfMessage,
    ]
    return events[1].value


def js(value: Any) -> bytes:
    return json.dumps(value).encode()


OBJECT_ANSWERS = [
    api.containers.inspect("c1"),
    api.containers.top("c1"),
    api.containers.update("c1", memory=1 << 20),
    api.containers.prune(),
    api.containers.stats("c1", stream=False),
    api.containers.commit("c1"),
    api.images.inspect("busybox"),
    api.images.prune(),
    api.networks.create("n1"),
    api.networks.inspect("n1"),
    api.networks.prune(),
    api.system.info(),
    api.system.df(),
    api.volumes.create("v1"),
    api.volumes.inspect("v1"),
    api.volumes.prune(),
    api.plugins.inspect("p"),
]

ARRAY_ANSWERS = [
    api.images.history("busybox"),
    api.plugins.list(),
    api.plugins.privileges("p"),
    api.images.rm("busybox"),
    api.images.search("busybox"),
    api.networks.list(),
]


@pytest.mark.parametrize("req", OBJECT_ANSWERS, ids=lambda r: f"{r.method} {r.path}")
def test_object_answers(req: dockproto.Request) -> None:
    """An object is passed through; an array, a string or null is a ProtocolError."""
    assert answer(req, js({"Id": "x"})) == {"Id": "x"}
    for wrong in ([{"Id": "x"}], "x", None, 1):
        with pytest.raises(dockproto.ProtocolError, match="expected a JSON object"):
            answer(req, js(wrong))


@pytest.mark.parametrize("req", ARRAY_ANSWERS, ids=lambda r: f"{r.method} {r.path}")
def test_array_answers(req: dockproto.Request) -> None:
    """An array of objects is passed through, null is empty; other shapes are refused."""
    assert answer(req, js([{"Id": "x"}, {}])) == [{"Id": "x"}, {}]
    assert answer(req, js(None)) == []
    assert answer(req, None) == []
    for wrong in ({"Id": "x"}, ["x"], [None], 1):
        with pytest.raises(dockproto.ProtocolError, match=r"expected .*array"):
            answer(req, js(wrong))


def test_volume_list() -> None:
    """``volumes.list`` is the ``Volumes`` array of the answer's object (null is empty)."""
    req = api.volumes.list()
    assert answer(req, js({"Volumes": [{"Name": "v"}], "Warnings": []})) == [{"Name": "v"}]
    assert answer(req, js({"Volumes": None})) == []
    with pytest.raises(dockproto.ProtocolError, match="expected a JSON object"):
        answer(req, js([{"Name": "v"}]))
    with pytest.raises(dockproto.ProtocolError, match="expected a JSON array"):
        answer(req, js({"Volumes": {"Name": "v"}}))


def test_auth_answers() -> None:
    """``/auth`` answers an object, or 204 with no body (None)."""
    req = api.system.auth("u", "p")
    assert answer(req, js({"Status": "Login Succeeded"})) == {"Status": "Login Succeeded"}
    assert answer(req, None, 204) is None
    with pytest.raises(dockproto.ProtocolError, match="expected a JSON object"):
        answer(req, js("Login Succeeded"))


# -- the result type of every builder -------------------------------------------------

HELPERS = {"containers.signal_value", "containers.path_stat", "images.auth_header"}
"""Public functions of ``dockproto.api`` that are not request builders."""


def builders() -> dict[str, Callable[..., Any]]:
    out = {}
    for area in api.__all__:
        module = getattr(api, area)
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ == module.__name__ and not name.startswith("_"):
                if f"{area}.{name}" not in HELPERS:
                    out[f"{area}.{name}"] = fn
    return out


def result_types(fn: Callable[..., Any]) -> list[Any]:
    """The ``T`` of each ``Request[T]`` the builder's return annotation names."""
    # (the models an area names only for type checkers, e.g. ``Bind``, load on first
    # use: give them all, as a type checker sees them)
    models = {name: getattr(dockproto._models, name) for name in dockproto._models.__all__}
    hint = get_type_hints(fn, localns=models)["return"]
    arms = get_args(hint) if get_origin(hint) in (Union, types.UnionType) else (hint,)
    out = []
    for arm in arms:
        assert get_origin(arm) is dockproto.Request, f"{fn.__qualname__} returns {arm!r}"
        (t,) = get_args(arm)
        out.append(t)
    return out


def test_every_builder_names_its_result_type() -> None:
    """Each builder's annotation is ``Request[T]`` (or a union of them), never bare."""
    found = builders()
    assert len(found) >= 50
    for name, fn in found.items():
        assert result_types(fn), name


def conforms(value: Any, t: Any) -> bool:
    """``value`` is of type ``t`` (the few forms the builders' annotations use)."""
    if t is Any:
        return True
    if t is None or t is type(None):
        return value is None
    origin, args = get_origin(t), get_args(t)
    if origin in (Union, types.UnionType):
        return any(conforms(value, a) for a in args)
    if origin is list:
        return isinstance(value, list) and all(conforms(v, args[0]) for v in value)
    if origin is dict:
        return isinstance(value, dict) and all(
            conforms(k, args[0]) and conforms(v, args[1]) for k, v in value.items()
        )
    assert isinstance(t, type) and origin is None, f"unhandled annotation {t!r}"
    return isinstance(value, t)


def test_conforms() -> None:
    """The checker itself tells the shapes apart."""
    assert conforms([{"a": 1}], list[dict[str, Any]])
    assert not conforms([{1: 1}], list[dict[str, Any]])
    assert not conforms({"a": 1}, list[dict[str, Any]])
    assert conforms(None, dict[str, Any] | None)
    assert not conforms("x", int) and not conforms(None, int) and conforms(None, None)


_SUMMARY = {
    "Id": "abc",
    "Names": ["/web"],
    "Image": "busybox",
    "Command": "sh",
    "Created": 1700000000,
    "Status": "Up 2 seconds",
    "Ports": [{"PrivatePort": 80, "PublicPort": 8080, "Type": "tcp", "IP": "0.0.0.0"}],
    "State": "running",
    "Labels": {"a": "b"},
}
_IMAGE = {
    "Id": "sha256:1",
    "Created": 1700000000,
    "Size": 10,
    "RepoTags": ["busybox:latest"],
    "RepoDigests": [],
    "Labels": None,
    "Containers": -1,
}
_EXEC = {"ID": "e1", "Running": False, "ExitCode": 3, "Pid": 0, "ProcessConfig": {"tty": False}}
_VERSION = {"ApiVersion": "1.41", "Version": "20.10.24", "Os": "linux", "Arch": "amd64"}

NONE = None  # no body
WHOLE: list[tuple[str, tuple[Any, ...], dict[str, Any], int, Any]] = [
    # builder, args, kwargs, status, the answer (JSON value, bytes as they are, or NONE)
    ("containers.list", (), {"size": True}, 200, [_SUMMARY]),
    ("containers.create", ("busybox",), {}, 201, {"Id": "abc", "Warnings": []}),
    ("containers.inspect", ("web",), {}, 200, {"Id": "abc", "Config": {"Tty": False}}),
    ("containers.changes", ("web",), {}, 200, [{"Path": "/tmp", "Kind": 1}]),
    ("containers.top", ("web",), {}, 200, {"Titles": ["PID"], "Processes": [["1"]]}),
    ("containers.start", ("web",), {}, 204, NONE),
    ("containers.stop", ("web",), {}, 304, NONE),
    ("containers.restart", ("web",), {}, 204, NONE),
    ("containers.kill", ("web",), {}, 204, NONE),
    ("containers.pause", ("web",), {}, 204, NONE),
    ("containers.unpause", ("web",), {}, 204, NONE),
    ("containers.wait", ("web",), {}, 200, {"StatusCode": 3, "Error": None}),
    ("containers.rm", ("web",), {}, 204, NONE),
    ("containers.rename", ("web", "web2"), {}, 204, NONE),
    ("containers.resize", ("web", 24, 80), {}, 200, NONE),
    ("containers.update", ("web",), {"memory": 1 << 20}, 200, {"Warnings": None}),
    ("containers.prune", (), {}, 200, {"ContainersDeleted": None, "SpaceReclaimed": 0}),
    ("containers.stats", ("web",), {"stream": False}, 200, {"read": "", "cpu_stats": {}}),
    ("containers.stat_archive", ("web", "/etc"), {}, 200, NONE),
    ("containers.put_archive", ("web", "/tmp"), {}, 200, NONE),
    ("containers.commit", ("web",), {}, 201, {"Id": "sha256:2"}),
    ("exec.create", ("web", ["true"]), {}, 201, {"Id": "e1"}),
    ("exec.start", ("e1",), {"detach": True}, 200, NONE),
    ("exec.inspect", ("e1",), {}, 200, _EXEC),
    ("exec.resize", ("e1", 24, 80), {}, 201, NONE),
    ("images.list", (), {}, 200, [_IMAGE]),
    ("images.inspect", ("busybox",), {}, 200, {"Id": "sha256:1"}),
    ("images.history", ("busybox",), {}, 200, [{"Id": "sha256:1", "CreatedBy": "sh"}]),
    ("images.tag", ("busybox", "mine"), {}, 201, NONE),
    ("images.rm", ("busybox",), {}, 200, [{"Untagged": "busybox"}, {"Deleted": "sha256:1"}]),
    ("images.search", ("busybox",), {}, 200, [{"name": "busybox", "star_count": 1}]),
    ("images.prune", (), {}, 200, {"ImagesDeleted": None, "SpaceReclaimed": 0}),
    ("images.build_prune", (), {}, 200, {"CachesDeleted": None, "SpaceReclaimed": 0}),
    ("networks.list", (), {}, 200, [{"Name": "bridge", "Id": "n1"}]),
    ("networks.create", ("n1",), {}, 201, {"Id": "n1", "Warning": ""}),
    ("networks.inspect", ("n1",), {}, 200, {"Name": "n1", "Id": "n1"}),
    ("networks.connect", ("n1", "web"), {}, 200, NONE),
    ("networks.disconnect", ("n1", "web"), {}, 200, NONE),
    ("networks.rm", ("n1",), {}, 204, NONE),
    ("networks.prune", (), {}, 200, {"NetworksDeleted": None}),
    ("system.ping", (), {}, 200, b"OK"),
    ("system.version", (), {}, 200, _VERSION),
    ("system.info", (), {}, 200, {"ID": "x", "Containers": 0}),
    ("system.df", (), {}, 200, {"LayersSize": 0, "Images": []}),
    ("system.auth", ("u", "p"), {}, 200, {"Status": "Login Succeeded", "IdentityToken": ""}),
    ("system.auth", ("u", "p"), {}, 204, NONE),
    ("volumes.list", (), {}, 200, {"Volumes": [{"Name": "v1"}], "Warnings": None}),
    ("volumes.create", ("v1",), {}, 201, {"Name": "v1", "Driver": "local"}),
    ("volumes.inspect", ("v1",), {}, 200, {"Name": "v1"}),
    ("volumes.rm", ("v1",), {}, 204, NONE),
    ("volumes.prune", (), {}, 200, {"VolumesDeleted": None, "SpaceReclaimed": 0}),
    (
        "distribution.inspect",
        ("reg:5000/x:1",),
        {},
        200,
        {"Descriptor": {"digest": "sha256:1", "size": 1}, "Platforms": [{"os": "linux"}]},
    ),
    ("plugins.list", (), {}, 200, [{"Name": "p:latest", "Enabled": False}]),
    ("plugins.privileges", ("p",), {}, 200, [{"Name": "network", "Value": ["host"]}]),
    ("plugins.inspect", ("p",), {}, 200, {"Name": "p:latest", "Enabled": True}),
    ("plugins.rm", ("p",), {}, 200, NONE),
    ("plugins.enable", ("p",), {}, 200, NONE),
    ("plugins.disable", ("p",), {}, 200, NONE),
    ("plugins.create", ("p",), {}, 204, NONE),
    ("plugins.set", ("p", ["A=1"]), {}, 204, NONE),
]

STREAMED: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
    ("containers.logs", ("web",), {}),
    ("containers.attach", ("web",), {}),
    ("containers.stats", ("web",), {}),
    ("containers.export", ("web",), {}),
    ("containers.get_archive", ("web", "/etc"), {}),
    ("exec.start", ("e1",), {}),
    ("images.create", (FromImage("busybox"),), {}),
    ("images.create", (FromBody(None),), {}),
    ("images.pull", ("busybox",), {}),
    ("images.import_", ("mine",), {}),
    ("images.push", ("mine",), {}),
    ("images.save", ("busybox",), {}),
    ("images.load", (), {}),
    ("images.build", (), {}),
    ("system.events", (), {}),
    ("containers.attach_ws", ("web",), {}),
    ("images.get", ("busybox",), {}),
    ("plugins.pull", ("p",), {}),
    ("plugins.upgrade", ("p", "p2"), {}),
    ("plugins.push", ("p",), {}),
]

# The Swarm areas (their answers, as dockerd 20.10 sends them).
_SPEC = {"Name": "web", "TaskTemplate": {"ContainerSpec": {"Image": "busybox"}}}
_SERVICE = {"ID": "s1", "Version": {"Index": 3}, "Spec": _SPEC}
_NODE = {"ID": "n1", "Version": {"Index": 2}, "Spec": {"Role": "worker"}}
_TASK = {"ID": "t1", "ServiceID": "s1", "Status": {"State": "running"}}
_SECRET = {"ID": "x1", "Version": {"Index": 1}, "Spec": {"Name": "db"}}
WHOLE += [
    ("swarm.init", (), {}, 200, "node1"),
    ("swarm.join", (["10.0.0.1:2377"], "SWMTKN-1-x"), {}, 200, NONE),
    ("swarm.leave", (), {}, 200, NONE),
    ("swarm.inspect", (), {}, 200, {"ID": "sw", "Version": {"Index": 1}, "Spec": {}}),
    ("swarm.update", (1, {}), {}, 200, NONE),
    ("swarm.unlock_key", (), {}, 200, {"UnlockKey": "SWMKEY-1-x"}),
    ("swarm.unlock", ("SWMKEY-1-x",), {}, 200, NONE),
    ("nodes.list", (), {}, 200, [_NODE]),
    ("nodes.inspect", ("n1",), {}, 200, _NODE),
    ("nodes.update", ("n1", 2), {"availability": "drain"}, 200, NONE),
    ("nodes.rm", ("n1",), {}, 200, NONE),
    ("services.list", (), {}, 200, [_SERVICE]),
    ("services.create", ("busybox",), {}, 201, {"ID": "s1"}),
    ("services.inspect", ("s1",), {}, 200, _SERVICE),
    ("services.update", ("s1", 3), {"spec": _SPEC}, 200, {"Warnings": ["w"]}),
    ("services.update", ("s1", 3), {"spec": _SPEC}, 200, {"Warnings": None}),
    ("services.rm", ("s1",), {}, 200, NONE),
    ("tasks.list", (), {}, 200, [_TASK]),
    ("tasks.inspect", ("t1",), {}, 200, _TASK),
    ("secrets.list", (), {}, 200, [_SECRET]),
    ("secrets.create", ("db", b"x"), {}, 201, {"ID": "x1"}),
    ("secrets.inspect", ("x1",), {}, 200, _SECRET),
    ("secrets.update", (_SECRET,), {"labels": {}}, 200, NONE),
    ("secrets.rm", ("x1",), {}, 204, NONE),
    ("configs.list", (), {}, 200, [_SECRET]),
    ("configs.create", ("c", b"x"), {}, 201, {"ID": "x1"}),
    ("configs.inspect", ("x1",), {}, 200, _SECRET),
    ("configs.update", (_SECRET,), {"labels": {}}, 200, NONE),
    ("configs.rm", ("x1",), {}, 204, NONE),
]
STREAMED += [("services.logs", ("s1",), {}), ("tasks.logs", ("t1",), {})]


def test_every_builder_is_covered() -> None:
    """Each builder is checked below, by its whole answer or as a stream."""
    covered = {name for name, *_ in WHOLE} | {name for name, *_ in STREAMED}
    assert covered == set(builders())


@pytest.mark.parametrize(
    "name,args,kwargs,status,body", WHOLE, ids=[f"{c[0]}-{c[3]}" for c in WHOLE]
)
def test_value_has_the_annotated_type(
    name: str, args: tuple[Any, ...], kwargs: dict[str, Any], status: int, body: Any
) -> None:
    """The value of an answer as a daemon sends it is of the builder's ``T``."""
    fn = builders()[name]
    req = fn(*args, **kwargs)
    raw = body if body is None or isinstance(body, bytes) else js(body)
    value = answer(req, raw, status)
    ts = result_types(fn)
    assert any(conforms(value, t) for t in ts), f"{name}: {value!r} is not {ts}"
    if req.expect is Expect.EMPTY:
        assert ts == [None] and value is None


@pytest.mark.parametrize("name,args,kwargs", STREAMED, ids=[c[0] for c in STREAMED])
def test_streams_and_upgrades_are_request_none(
    name: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    """A streamed or upgraded answer carries events, not a value: ``Request[None]``."""
    fn = builders()[name]
    req = fn(*args, **kwargs)
    assert req.expect in (Expect.STREAM, Expect.HIJACK, Expect.WEBSOCKET)
    assert None in result_types(fn)


def test_generic_aliases_build_requests_and_results() -> None:
    """``Request[T](...)`` and ``Result[T](...)`` work (frozen slotted dataclasses)."""
    req = dockproto.Request[int]("GET", "/x", parse=int)
    assert req.parse("3") == 3
    assert dockproto.Result[int](3) == dockproto.Result(3)
