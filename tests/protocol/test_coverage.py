"""Every operation of the Engine API v1.41 has a builder in ``dockproto.api``.

The test walks the spec's paths and methods (``data/engine-api-v1.41.yaml``, moby's own
file) and, for each operation, builds a request with sample arguments through the
builder its entry names, and checks the request's method and path against the spec's
template (and that a connection sends it).  It prints ``covered N of 106``.

Each operation is listed once: in ``COVERED`` (with the builder that makes it) or in
``EXCLUDED`` with its reason.  ``covered + excluded == 106``: no operation can be added to
or dropped from the spec, or lose its builder, without this test saying so.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dockproto import Connection, FromImage

SPEC = Path(__file__).with_name("data") / "engine-api-v1.41.yaml"
TOTAL = 106  # (the spec's own count: one operationId per operation)
METHODS = ("get", "put", "post", "delete", "head", "patch", "options")

Op = tuple[str, str]  # (METHOD, path template)
Entry = tuple[str, tuple[Any, ...], dict[str, Any]]  # (builder, args, kwargs)

COVERED: dict[Op, Entry] = {
    # -- containers
    ("GET", "/containers/json"): ("containers.list", (), {"all": True}),
    ("POST", "/containers/create"): ("containers.create", ("busybox", ["true"]), {}),
    ("GET", "/containers/{id}/json"): ("containers.inspect", ("c1",), {}),
    ("GET", "/containers/{id}/top"): ("containers.top", ("c1",), {}),
    ("GET", "/containers/{id}/logs"): ("containers.logs", ("c1",), {}),
    ("GET", "/containers/{id}/changes"): ("containers.changes", ("c1",), {}),
    ("GET", "/containers/{id}/export"): ("containers.export", ("c1",), {}),
    ("GET", "/containers/{id}/stats"): ("containers.stats", ("c1",), {}),
    ("POST", "/containers/{id}/resize"): ("containers.resize", ("c1", 24, 80), {}),
    ("POST", "/containers/{id}/start"): ("containers.start", ("c1",), {}),
    ("POST", "/containers/{id}/stop"): ("containers.stop", ("c1",), {}),
    ("POST", "/containers/{id}/restart"): ("containers.restart", ("c1",), {}),
    ("POST", "/containers/{id}/kill"): ("containers.kill", ("c1",), {}),
    ("POST", "/containers/{id}/update"): ("containers.update", ("c1",), {"memory": 1 << 20}),
    ("POST", "/containers/{id}/rename"): ("containers.rename", ("c1", "c2"), {}),
    ("POST", "/containers/{id}/pause"): ("containers.pause", ("c1",), {}),
    ("POST", "/containers/{id}/unpause"): ("containers.unpause", ("c1",), {}),
    ("POST", "/containers/{id}/attach"): ("containers.attach", ("c1",), {}),
    ("GET", "/containers/{id}/attach/ws"): ("containers.attach_ws", ("c1",), {}),
    ("POST", "/containers/{id}/wait"): ("containers.wait", ("c1",), {}),
    ("DELETE", "/containers/{id}"): ("containers.rm", ("c1",), {}),
    ("HEAD", "/containers/{id}/archive"): ("containers.stat_archive", ("c1", "/etc"), {}),
    ("GET", "/containers/{id}/archive"): ("containers.get_archive", ("c1", "/etc"), {}),
    ("PUT", "/containers/{id}/archive"): ("containers.put_archive", ("c1", "/tmp"), {}),
    ("POST", "/containers/prune"): ("containers.prune", (), {}),
    ("POST", "/commit"): ("containers.commit", ("c1",), {"repo": "me/img"}),
    # -- images
    ("GET", "/images/json"): ("images.list", (), {}),
    ("POST", "/images/create"): ("images.create", (FromImage("busybox"),), {}),
    ("GET", "/images/{name}/json"): ("images.inspect", ("busybox",), {}),
    ("GET", "/images/{name}/history"): ("images.history", ("busybox",), {}),
    ("POST", "/images/{name}/push"): ("images.push", ("busybox",), {}),
    ("POST", "/images/{name}/tag"): ("images.tag", ("busybox", "me/img"), {}),
    ("DELETE", "/images/{name}"): ("images.rm", ("busybox",), {}),
    ("GET", "/images/search"): ("images.search", ("busybox",), {}),
    ("POST", "/images/prune"): ("images.prune", (), {}),
    ("GET", "/images/{name}/get"): ("images.get", ("busybox",), {}),
    ("GET", "/images/get"): ("images.save", (["busybox", "alpine"],), {}),
    ("POST", "/images/load"): ("images.load", (), {}),
    # -- system
    ("POST", "/auth"): ("system.auth", ("u", "p"), {}),
    ("GET", "/info"): ("system.info", (), {}),
    ("GET", "/version"): ("system.version", (), {}),
    ("GET", "/_ping"): ("system.ping", (), {}),
    ("HEAD", "/_ping"): ("system.ping", (), {"head": True}),
    ("GET", "/events"): ("system.events", (), {}),
    ("GET", "/system/df"): ("system.df", (), {}),
    # -- exec
    ("POST", "/containers/{id}/exec"): ("exec.create", ("c1", ["ls"]), {}),
    ("POST", "/exec/{id}/start"): ("exec.start", ("e1",), {}),
    ("POST", "/exec/{id}/resize"): ("exec.resize", ("e1", 24, 80), {}),
    ("GET", "/exec/{id}/json"): ("exec.inspect", ("e1",), {}),
    # -- volumes
    ("GET", "/volumes"): ("volumes.list", (), {}),
    ("POST", "/volumes/create"): ("volumes.create", ("v1",), {}),
    ("GET", "/volumes/{name}"): ("volumes.inspect", ("v1",), {}),
    ("DELETE", "/volumes/{name}"): ("volumes.rm", ("v1",), {}),
    ("POST", "/volumes/prune"): ("volumes.prune", (), {}),
    # -- networks
    ("GET", "/networks"): ("networks.list", (), {}),
    ("GET", "/networks/{id}"): ("networks.inspect", ("n1",), {}),
    ("DELETE", "/networks/{id}"): ("networks.rm", ("n1",), {}),
    ("POST", "/networks/create"): ("networks.create", ("n1",), {}),
    ("POST", "/networks/{id}/connect"): ("networks.connect", ("n1", "c1"), {}),
    ("POST", "/networks/{id}/disconnect"): ("networks.disconnect", ("n1", "c1"), {}),
    ("POST", "/networks/prune"): ("networks.prune", (), {}),
    # -- plugins
    ("GET", "/plugins"): ("plugins.list", (), {}),
    ("GET", "/plugins/privileges"): ("plugins.privileges", ("vieux/sshfs",), {}),
    ("POST", "/plugins/pull"): ("plugins.pull", ("vieux/sshfs",), {}),
    ("GET", "/plugins/{name}/json"): ("plugins.inspect", ("p",), {}),
    ("DELETE", "/plugins/{name}"): ("plugins.rm", ("p",), {}),
    ("POST", "/plugins/{name}/enable"): ("plugins.enable", ("p",), {}),
    ("POST", "/plugins/{name}/disable"): ("plugins.disable", ("p",), {}),
    ("POST", "/plugins/{name}/upgrade"): ("plugins.upgrade", ("p", "vieux/sshfs:next"), {}),
    ("POST", "/plugins/create"): ("plugins.create", ("p",), {}),
    ("POST", "/plugins/{name}/push"): ("plugins.push", ("p",), {}),
    ("POST", "/plugins/{name}/set"): ("plugins.set", ("p", ["DEBUG=1"]), {}),
    # -- swarm
    ("GET", "/swarm"): ("swarm.inspect", (), {}),
    ("POST", "/swarm/init"): ("swarm.init", (), {}),
    ("POST", "/swarm/join"): ("swarm.join", (["10.0.0.1:2377"], "SWMTKN-1-x"), {}),
    ("POST", "/swarm/leave"): ("swarm.leave", (), {}),
    ("POST", "/swarm/update"): ("swarm.update", (1, {}), {}),
    ("GET", "/swarm/unlockkey"): ("swarm.unlock_key", (), {}),
    ("POST", "/swarm/unlock"): ("swarm.unlock", ("SWMKEY-1-x",), {}),
    # -- nodes
    ("GET", "/nodes"): ("nodes.list", (), {}),
    ("GET", "/nodes/{id}"): ("nodes.inspect", ("n1",), {}),
    ("POST", "/nodes/{id}/update"): ("nodes.update", ("n1",), {"version": 1}),
    ("DELETE", "/nodes/{id}"): ("nodes.rm", ("n1",), {}),
    # -- services
    ("GET", "/services"): ("services.list", (), {}),
    ("POST", "/services/create"): ("services.create", ("busybox",), {}),
    ("GET", "/services/{id}"): ("services.inspect", ("s1",), {}),
    ("POST", "/services/{id}/update"): (
        "services.update",
        ("s1",),
        {"version": 1, "spec": {"Name": "s1", "TaskTemplate": {"ContainerSpec": {}}}},
    ),
    ("DELETE", "/services/{id}"): ("services.rm", ("s1",), {}),
    ("GET", "/services/{id}/logs"): ("services.logs", ("s1",), {}),
    # -- tasks
    ("GET", "/tasks"): ("tasks.list", (), {}),
    ("GET", "/tasks/{id}"): ("tasks.inspect", ("t1",), {}),
    ("GET", "/tasks/{id}/logs"): ("tasks.logs", ("t1",), {}),
    # -- secrets
    ("GET", "/secrets"): ("secrets.list", (), {}),
    ("POST", "/secrets/create"): ("secrets.create", ("s1",), {"data": b"x"}),
    ("GET", "/secrets/{id}"): ("secrets.inspect", ("s1",), {}),
    ("POST", "/secrets/{id}/update"): (
        "secrets.update",
        ("s1",),
        {"version": 1, "spec": {"Name": "s1"}},
    ),
    ("DELETE", "/secrets/{id}"): ("secrets.rm", ("s1",), {}),
    # -- configs
    ("GET", "/configs"): ("configs.list", (), {}),
    ("POST", "/configs/create"): ("configs.create", ("c1", b"x"), {}),
    ("GET", "/configs/{id}"): ("configs.inspect", ("c1",), {}),
    ("POST", "/configs/{id}/update"): (
        "configs.update",
        ("c1",),
        {"version": 1, "spec": {"Name": "c1"}},
    ),
    ("DELETE", "/configs/{id}"): ("configs.rm", ("c1",), {}),
    # -- build, distribution
    ("POST", "/build"): ("images.build", (), {}),
    ("POST", "/build/prune"): ("images.build_prune", (), {}),
    ("GET", "/distribution/{name}/json"): ("distribution.inspect", ("busybox",), {}),
}

EXCLUDED: dict[Op, str] = {
    ("POST", "/session"): (
        "BuildKit's interactive session: the connection is upgraded to h2c and carries "
        "gRPC (file sync, secrets, auth) for a BuildKit build; dockproto speaks the "
        "classic builder's /build, and has no HTTP/2 or gRPC"
    ),
}


def spec_operations() -> list[Op]:
    """The spec's ``(METHOD, path)`` pairs, read from its ``paths:`` section: a path is
    a key indented by two spaces, its methods keys indented by four."""
    ops: list[Op] = []
    path = None
    in_paths = False
    for line in SPEC.read_text().splitlines():
        if line and not line[0].isspace() and not line.startswith("#"):  # a top-level key
            in_paths = line.startswith("paths:")
            continue
        if not in_paths:
            continue
        if m := re.fullmatch(r"  (/\S*):\s*", line):
            path = m.group(1)
        elif (m := re.fullmatch(r"    ([a-z]+):\s*", line)) and m.group(1) in METHODS:
            assert path is not None
            ops.append((m.group(1).upper(), path))
    return ops


def builder(name: str) -> Callable[..., Any] | None:
    """``dockproto.api.<area>.<name>``, or None when this tree has no such builder."""
    area, _, func = name.partition(".")
    try:
        module = importlib.import_module(f"dockproto.api.{area}")
    except ModuleNotFoundError:
        return None
    found = getattr(module, func, None)
    return found if callable(found) else None


def template_re(template: str) -> re.Pattern[str]:
    """The spec's path template as a pattern: each ``{param}`` one segment or more (an
    image's name holds ``/``), the rest as it is."""
    parts = re.split(r"\{[^}]+\}", template)
    return re.compile("[^/?#][^?#]*".join(re.escape(p) for p in parts))


def check(op: Op, entry: Entry) -> None:
    """The entry's builder makes a request of the operation's method and path, which a
    connection sends."""
    name, args, kwargs = entry
    fn = builder(name)
    assert fn is not None, f"{op}: no builder {name}"
    req = fn(*args, **kwargs)
    assert req.method == op[0], f"{name}: {req.method}, the spec says {op[0]}"
    assert template_re(op[1]).fullmatch(req.path), f"{name}: {req.path} is not {op[1]}"
    Connection("1.41").send_request(req)


def test_the_spec_has_106_operations() -> None:
    """The reading of the spec finds each of its operations (one operationId each)."""
    ops = spec_operations()
    assert len(ops) == len(set(ops)) == TOTAL
    assert SPEC.read_text().count("operationId:") == TOTAL


def test_each_operation_is_listed_once() -> None:
    """Every operation of the spec is in exactly one table, and nothing else is."""
    tables = [set(COVERED), set(EXCLUDED)]
    for i, a in enumerate(tables):
        for b in tables[i + 1 :]:
            assert not a & b, f"listed twice: {sorted(a & b)}"
    listed = set().union(*tables)
    ops = set(spec_operations())
    assert not ops - listed, f"operations with no entry: {sorted(ops - listed)}"
    assert not listed - ops, f"entries for no operation of the spec: {sorted(listed - ops)}"


@pytest.mark.parametrize("op", sorted(COVERED), ids=[f"{m} {p}" for m, p in sorted(COVERED)])
def test_covered_operation(op: Op) -> None:
    """A builder of this tree makes the operation's request."""
    check(op, COVERED[op])


def test_coverage(capsys: pytest.CaptureFixture[str]) -> None:
    """``covered N of 106``, and the exclusions with their reasons: covered + excluded is
    the whole spec."""
    lines = [f"covered {len(COVERED)} of {TOTAL}"]
    lines += [f"  excluded: {m} {p}: {why}" for (m, p), why in sorted(EXCLUDED.items())]
    with capsys.disabled():
        print("\n" + "\n".join(lines))
    assert len(COVERED) + len(EXCLUDED) == TOTAL == len(spec_operations())
