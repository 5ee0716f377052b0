"""Wire-level golden tests: each request builder gives exactly these bytes."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

import dockproto
from dockproto import Connection, FromBody, FromImage, FromSrc, Mount, MountRO, Vol, api


def wire(req: dockproto.Request, version: str | None = "1.41") -> tuple[str, dict[str, str], bytes]:
    raw = Connection(version).send_request(req)
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return lines[0], headers, body


def test_full_bytes_of_a_get() -> None:
    """A GET is exactly its request line, Host and User-Agent, nothing else."""
    raw = Connection("1.41").send_request(api.containers.inspect("web"))
    assert raw == (
        b"GET /v1.41/containers/web/json HTTP/1.1\r\nHost: docker\r\n"
        b"User-Agent: dockproto/0.1\r\n\r\n"
    )


def test_full_bytes_of_a_post_with_json() -> None:
    """A POST with a JSON body carries its content type and exact length."""
    raw = Connection("1.41").send_request(api.exec.start("abc", tty=False))
    assert raw == (
        b"POST /v1.41/exec/abc/start HTTP/1.1\r\nHost: docker\r\nUser-Agent: dockproto/0.1\r\n"
        b"Content-Type: application/json\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n"
        b'Content-Length: 28\r\n\r\n{"Detach":false,"Tty":false}'
    )


def test_unversioned_when_no_version() -> None:
    """Without a negotiated version the path goes out unversioned."""
    assert wire(api.system.version(), None)[0] == "GET /version HTTP/1.1"


GOLDEN: list[tuple[str, Any, str]] = [
    ("ping", api.system.ping(), "GET /_ping HTTP/1.1"),
    ("ping head", api.system.ping(head=True), "HEAD /_ping HTTP/1.1"),
    ("version", api.system.version(), "GET /v1.41/version HTTP/1.1"),
    ("info", api.system.info(), "GET /v1.41/info HTTP/1.1"),
    ("df", api.system.df(), "GET /v1.41/system/df HTTP/1.1"),
    (
        "events",
        api.system.events(since=10, until=20, filters={"type": "container"}),
        "GET /v1.41/events?since=10&until=20&filters=%7B%22type%22%3A%5B%22container%22%5D%7D "
        "HTTP/1.1",
    ),
    ("list", api.containers.list(), "GET /v1.41/containers/json HTTP/1.1"),
    (
        "list all",
        api.containers.list(all=True, limit=3, size=True),
        "GET /v1.41/containers/json?all=true&limit=3&size=true HTTP/1.1",
    ),
    ("changes", api.containers.changes("c1"), "GET /v1.41/containers/c1/changes HTTP/1.1"),
    ("top", api.containers.top("c1", "aux"), "GET /v1.41/containers/c1/top?ps_args=aux HTTP/1.1"),
    ("start", api.containers.start("c1"), "POST /v1.41/containers/c1/start HTTP/1.1"),
    (
        "start keys",
        api.containers.start("c1", detach_keys="ctrl-x"),
        "POST /v1.41/containers/c1/start?detachKeys=ctrl-x HTTP/1.1",
    ),
    ("stop", api.containers.stop("c1", wait=3), "POST /v1.41/containers/c1/stop?t=3 HTTP/1.1"),
    ("restart", api.containers.restart("c1", 0), "POST /v1.41/containers/c1/restart?t=0 HTTP/1.1"),
    ("kill", api.containers.kill("c1"), "POST /v1.41/containers/c1/kill HTTP/1.1"),
    (
        "kill name",
        api.containers.kill("c1", "term"),
        "POST /v1.41/containers/c1/kill?signal=SIGTERM HTTP/1.1",
    ),
    ("kill num", api.containers.kill("c1", 9), "POST /v1.41/containers/c1/kill?signal=9 HTTP/1.1"),
    ("pause", api.containers.pause("c1"), "POST /v1.41/containers/c1/pause HTTP/1.1"),
    ("unpause", api.containers.unpause("c1"), "POST /v1.41/containers/c1/unpause HTTP/1.1"),
    ("wait", api.containers.wait("c1"), "POST /v1.41/containers/c1/wait HTTP/1.1"),
    (
        "rm",
        api.containers.rm("c1", force=True),
        "DELETE /v1.41/containers/c1?v=false&force=true&link=false HTTP/1.1",
    ),
    (
        "rename",
        api.containers.rename("c1", "c2"),
        "POST /v1.41/containers/c1/rename?name=c2 HTTP/1.1",
    ),
    (
        "resize",
        api.containers.resize("c1", 24, 80),
        "POST /v1.41/containers/c1/resize?h=24&w=80 HTTP/1.1",
    ),
    ("prune", api.containers.prune(), "POST /v1.41/containers/prune HTTP/1.1"),
    (
        "logs",
        api.containers.logs("c1", follow=True, tail=10, timestamps=True),
        "GET /v1.41/containers/c1/logs?stdout=true&stderr=true&follow=true&timestamps=true"
        "&tail=10 HTTP/1.1",
    ),
    (
        "attach",
        api.containers.attach("c1", stdin=True),
        "POST /v1.41/containers/c1/attach?logs=false&stream=true&stdin=true&stdout=true"
        "&stderr=true HTTP/1.1",
    ),
    (
        "stats",
        api.containers.stats("c1", stream=False, one_shot=True),
        "GET /v1.41/containers/c1/stats?stream=false&one-shot=true HTTP/1.1",
    ),
    ("export", api.containers.export("c1"), "GET /v1.41/containers/c1/export HTTP/1.1"),
    (
        "get_archive",
        api.containers.get_archive("c1", "/etc/passwd"),
        "GET /v1.41/containers/c1/archive?path=%2Fetc%2Fpasswd HTTP/1.1",
    ),
    (
        "stat_archive",
        api.containers.stat_archive("c1", "/etc"),
        "HEAD /v1.41/containers/c1/archive?path=%2Fetc HTTP/1.1",
    ),
    (
        "put_archive",
        api.containers.put_archive("c1", "/tmp", no_overwrite_dir_non_dir=True),
        "PUT /v1.41/containers/c1/archive?path=%2Ftmp&noOverwriteDirNonDir=true HTTP/1.1",
    ),
    ("exec inspect", api.exec.inspect("e1"), "GET /v1.41/exec/e1/json HTTP/1.1"),
    ("exec resize", api.exec.resize("e1", 10, 20), "POST /v1.41/exec/e1/resize?h=10&w=20 HTTP/1.1"),
    ("images", api.images.list(all=True), "GET /v1.41/images/json?all=true HTTP/1.1"),
    (
        "pull",
        api.images.pull("busybox", tag="1.36"),
        "POST /v1.41/images/create?fromImage=busybox&tag=1.36 HTTP/1.1",
    ),
    (
        "from url",
        api.images.create(FromSrc("http://x/y.tar"), repo="r", tag="t"),
        "POST /v1.41/images/create?fromSrc=http%3A%2F%2Fx%2Fy.tar&repo=r%3At HTTP/1.1",
    ),
    (
        "import",
        api.images.import_(repo="me/img", tag="v1"),
        "POST /v1.41/images/create?fromSrc=-&repo=me%2Fimg%3Av1 HTTP/1.1",
    ),
    (
        "image inspect",
        api.images.inspect("me/img:v1"),
        "GET /v1.41/images/me/img:v1/json HTTP/1.1",
    ),
    ("history", api.images.history("img"), "GET /v1.41/images/img/history HTTP/1.1"),
    (
        "tag",
        api.images.tag("img", "me/other", "v2"),
        "POST /v1.41/images/img/tag?repo=me%2Fother&tag=v2 HTTP/1.1",
    ),
    (
        "image rm",
        api.images.rm("img", force=True),
        "DELETE /v1.41/images/img?force=true&noprune=false HTTP/1.1",
    ),
    ("push", api.images.push("me/img", tag="v1"), "POST /v1.41/images/me/img/push?tag=v1 HTTP/1.1"),
    (
        "search",
        api.images.search("busy", limit=5),
        "GET /v1.41/images/search?term=busy&limit=5 HTTP/1.1",
    ),
    ("image prune", api.images.prune(), "POST /v1.41/images/prune HTTP/1.1"),
    (
        "save",
        api.images.save(["a", "b:1"]),
        "GET /v1.41/images/get?names=a&names=b%3A1 HTTP/1.1",
    ),
    ("load", api.images.load(), "POST /v1.41/images/load?quiet=false HTTP/1.1"),
    ("networks", api.networks.list(), "GET /v1.41/networks HTTP/1.1"),
    ("net inspect", api.networks.inspect("n1"), "GET /v1.41/networks/n1 HTTP/1.1"),
    ("net rm", api.networks.rm("n1"), "DELETE /v1.41/networks/n1 HTTP/1.1"),
    ("net prune", api.networks.prune(), "POST /v1.41/networks/prune HTTP/1.1"),
    ("volumes", api.volumes.list(), "GET /v1.41/volumes HTTP/1.1"),
    ("vol inspect", api.volumes.inspect("v1"), "GET /v1.41/volumes/v1 HTTP/1.1"),
    ("vol rm", api.volumes.rm("v1"), "DELETE /v1.41/volumes/v1?force=false HTTP/1.1"),
    ("vol prune", api.volumes.prune(), "POST /v1.41/volumes/prune HTTP/1.1"),
]


@pytest.mark.parametrize("name,req,line", GOLDEN, ids=[g[0] for g in GOLDEN])
def test_request_line(name: str, req: dockproto.Request, line: str) -> None:
    """Each builder's request line (method, versioned path, query) is exactly this."""
    assert wire(req)[0] == line


def test_list_filters_of_the_ocaml_list() -> None:
    """Every filter of the OCaml list, plus label, goes into one filters= JSON."""
    req = api.containers.list(
        since="a",
        before="b",
        exited=[0, 137],
        health=["healthy"],
        name=["web"],
        status=["exited", "running"],
        volume="v",
        label={"k": "v"},
    )
    ((key, value),) = req.query
    assert key == "filters"
    assert json.loads(value) == {
        "since": ["a"],
        "before": ["b"],
        "exited": ["0", "137"],
        "health": ["healthy"],
        "name": ["web"],
        "status": ["exited", "running"],
        "volume": ["v"],
        "label": ["k=v"],
    }


def _body(req: dockproto.Request) -> Any:
    return json.loads(wire(req)[2])


def test_create_body_defaults() -> None:
    """The defaults of the OCaml create: no network, stdout and stderr attached."""
    body = _body(api.containers.create("busybox", ["echo", "hi"]))
    assert body == {
        "Image": "busybox",
        "AttachStdin": False,
        "AttachStdout": True,
        "AttachStderr": True,
        "OpenStdin": False,
        "StdinOnce": False,
        "Tty": False,
        "Cmd": ["echo", "hi"],
        "NetworkDisabled": True,
        "HostConfig": {"NetworkMode": "none"},
    }


def test_create_body_everything(tmp_path: Any, monkeypatch: Any) -> None:
    """Every create parameter lands in its field, relative bind paths made absolute."""
    monkeypatch.chdir(tmp_path)
    req = api.containers.create(
        "img",
        ["sh"],
        name="n1",
        hostname="h",
        domainname="d",
        user="u",
        memory=64 << 20,
        memory_swap=-1,
        stdin=True,
        open_stdin=True,
        stdin_once=True,
        tty=True,
        env={"A": "1"},
        workingdir="/w",
        networking=True,
        binds=[Vol("/data"), Mount("rel", "/srv"), MountRO("/abs", "/ro")],
        labels={"l": "1"},
        entrypoint="/bin/sh",
        auto_remove=True,
        cpu_shares=512,
        cgroup_parent="cg",
        blkio_weight=300,
        cpu_period=100000,
        ports={"80": 8080, "53/udp": ("127.0.0.1", 5353), "9000": None},
    )
    assert wire(req)[0] == "POST /v1.41/containers/create?name=n1 HTTP/1.1"
    body = _body(req)
    assert body["Hostname"] == "h" and body["Domainname"] == "d" and body["User"] == "u"
    assert body["Env"] == ["A=1"] and body["WorkingDir"] == "/w" and body["Tty"] is True
    assert body["Entrypoint"] == ["/bin/sh"] and body["Labels"] == {"l": "1"}
    assert "NetworkDisabled" not in body
    assert body["ExposedPorts"] == {"80/tcp": {}, "53/udp": {}, "9000/tcp": {}}
    hc = body["HostConfig"]
    assert hc["Binds"] == ["/data", f"{tmp_path}/rel:/srv", "/abs:/ro:ro"]
    assert hc["Memory"] == 64 << 20 and hc["MemorySwap"] == -1
    assert hc["CpuShares"] == 512 and hc["CgroupParent"] == "cg"
    assert hc["BlkioWeight"] == 300 and hc["CpuPeriod"] == 100000
    assert hc["AutoRemove"] is True
    assert hc["PortBindings"] == {
        "80/tcp": [{"HostIp": "", "HostPort": "8080"}],
        "53/udp": [{"HostIp": "127.0.0.1", "HostPort": "5353"}],
    }


def test_restart_policy() -> None:
    """A restart policy goes into HostConfig with its retry count."""
    hc = _body(api.containers.create("i", restart_policy=("on-failure", 3)))["HostConfig"]
    assert hc["RestartPolicy"] == {"Name": "on-failure", "MaximumRetryCount": 3}


def test_exec_create_body() -> None:
    """Exec create carries every OCaml option plus tty and workdir."""
    req = api.exec.create(
        "c1", ["ls"], stdin=True, tty=True, detach_keys="ctrl-q", env=["X=1"],
        privileged=True, user="nobody", workdir="/tmp",
    )  # fmt: skip
    assert wire(req)[0] == "POST /v1.41/containers/c1/exec HTTP/1.1"
    assert _body(req) == {
        "AttachStdin": True,
        "AttachStdout": True,
        "AttachStderr": True,
        "Tty": True,
        "Cmd": ["ls"],
        "Privileged": True,
        "Env": ["X=1"],
        "DetachKeys": "ctrl-q",
        "User": "nobody",
        "WorkingDir": "/tmp",
    }


def test_pull_sends_registry_auth() -> None:
    """Credentials travel as base64url JSON in X-Registry-Auth."""
    import base64

    headers = wire(api.images.pull("me/img", auth={"username": "u", "password": "p"}))[1]
    decoded = json.loads(base64.urlsafe_b64decode(headers["X-Registry-Auth"]))
    assert decoded == {"username": "u", "password": "p"}


def test_streamed_upload_is_chunked() -> None:
    """An import body is sent chunked, piece by piece, ended by the last chunk."""
    conn = Connection("1.41")
    head = conn.send_request(api.images.create(FromBody(b""), repo="r"))
    assert b"Transfer-Encoding: chunked\r\n" in head
    assert b"Content-Type: application/x-tar\r\n" in head
    assert conn.send_body(b"abc") == b"3\r\nabc\r\n"
    assert conn.end_body() == b"0\r\n\r\n"


# An import's tag travels inside repo= (podman 4.3 ignores tag= on import, dockerd and
# podman both honour repo=name:tag); the same for import_, FromBody and FromSrc.
_URL = "http%3A%2F%2Fh%2Fr.tar"
IMPORT_SOURCES: list[tuple[str, Any, str]] = [
    ("import_", lambda **kw: api.images.import_(**kw), "-"),
    ("FromBody", lambda **kw: api.images.create(FromBody(b""), **kw), "-"),
    ("FromSrc", lambda **kw: api.images.create(FromSrc("http://h/r.tar"), **kw), _URL),
]
IMPORT_REPOS: list[tuple[str, dict[str, str], str]] = [
    ("repo+tag", {"repo": "me/img", "tag": "v1"}, "&repo=me%2Fimg%3Av1"),
    ("port+tag", {"repo": "localhost:5000/x", "tag": "v1"}, "&repo=localhost%3A5000%2Fx%3Av1"),
    ("deep+tag", {"repo": "reg.io:443/a/b", "tag": "1.0"}, "&repo=reg.io%3A443%2Fa%2Fb%3A1.0"),
    ("repo:tag", {"repo": "me/img:v2"}, "&repo=me%2Fimg%3Av2"),
    ("port/repo:tag", {"repo": "localhost:5000/x:v2"}, "&repo=localhost%3A5000%2Fx%3Av2"),
    ("port, no tag", {"repo": "localhost:5000/x"}, "&repo=localhost%3A5000%2Fx"),
    ("repo only", {"repo": "x"}, "&repo=x"),
    ("neither", {}, ""),
]


@pytest.mark.parametrize(
    "kw,query", [r[1:] for r in IMPORT_REPOS], ids=[r[0] for r in IMPORT_REPOS]
)
@pytest.mark.parametrize(
    "build,src", [s[1:] for s in IMPORT_SOURCES], ids=[s[0] for s in IMPORT_SOURCES]
)
def test_import_tag_travels_in_repo(build: Any, src: str, kw: dict[str, str], query: str) -> None:
    """repo=name:tag on the wire and never tag=; a repo's own tag is sent as it is."""
    line = wire(build(**kw))[0]
    assert line == f"POST /v1.41/images/create?fromSrc={src}{query} HTTP/1.1"
    assert "tag=" not in line


IMPORT_BAD: list[tuple[str, dict[str, str], str]] = [
    ("tag+tag", {"repo": "x:v2", "tag": "v1"}, "already carries the tag 'v2'"),
    ("port/tag+tag", {"repo": "localhost:5000/x:v2", "tag": "v1"}, "already carries the tag 'v2'"),
    ("digest+tag", {"repo": f"x@sha256:{'a' * 64}", "tag": "v1"}, "carries a digest"),
    ("tag:digest+tag", {"repo": f"x:v2@sha256:{'a' * 64}", "tag": "v1"}, "carries a digest"),
    ("no repo", {"tag": "v1"}, "needs a repo"),
    ("bad tag", {"repo": "x", "tag": "v1/x"}, "invalid tag"),
    ("colon tag", {"repo": "x", "tag": "a:b"}, "invalid tag"),
    ("bad repo", {"repo": "x y", "tag": "v1"}, "invalid image reference"),
]


@pytest.mark.parametrize("kw,msg", [r[1:] for r in IMPORT_BAD], ids=[r[0] for r in IMPORT_BAD])
@pytest.mark.parametrize(
    "build", [s[1] for s in IMPORT_SOURCES], ids=[s[0] for s in IMPORT_SOURCES]
)
def test_import_tag_conflicts_raise(build: Any, kw: dict[str, str], msg: str) -> None:
    """A tag given twice (repo's and tag=), a digest with tag=, or tag= with no repo is a
    ValueError when the request is built, naming the problem."""
    with pytest.raises(ValueError, match=msg):
        build(**kw)


def test_split_reference() -> None:
    """The tag is in the last path component only; the digest after @."""
    from dockproto._request import split_reference

    digest = f"sha256:{'a' * 64}"
    assert split_reference("x") == ("x", None, None)
    assert split_reference("x:v1") == ("x", "v1", None)
    assert split_reference("localhost:5000/x") == ("localhost:5000/x", None, None)
    assert split_reference("localhost:5000/a/x:v1") == ("localhost:5000/a/x", "v1", None)
    assert split_reference(f"x@{digest}") == ("x", None, digest)
    assert split_reference(f"r:1/x:v1@{digest}") == ("r:1/x", "v1", digest)


def test_pull_tag_unchanged() -> None:
    """Pull keeps its own wire: tag= beside fromImage, a name's own tag left alone."""
    assert wire(api.images.pull("x:v2", tag="v1"))[0] == (
        "POST /v1.41/images/create?fromImage=x%3Av2&tag=v1 HTTP/1.1"
    )
    assert wire(api.images.create(FromImage("localhost:5000/x"), tag="v1"))[0] == (
        "POST /v1.41/images/create?fromImage=localhost%3A5000%2Fx&tag=v1 HTTP/1.1"
    )


def test_pull_of_from_image_with_repo_and_tag() -> None:
    """FromImage(name, repo, tag) sends fromImage, repo and tag as the OCaml create did."""
    line = wire(api.images.create(dockproto.from_image("busybox", repo="r", tag="t")))[0]
    assert line == "POST /v1.41/images/create?fromImage=busybox&repo=r&tag=t HTTP/1.1"
    assert FromImage("a") == dockproto.from_image("a")


BAD: list[tuple[str, Any]] = [
    ("bad name", lambda: api.containers.inspect("-bad")),
    ("slash in name", lambda: api.containers.start("a/b")),
    ("empty name", lambda: api.containers.create("img", name="")),
    ("colon in bind", lambda: Mount("/a:b", "/c")),
    ("colon in vol", lambda: Vol("/x:y")),
    ("unknown signal", lambda: api.containers.kill("c", "SIGNOPE")),
    ("signal 0", lambda: api.containers.kill("c", 0)),
    ("negative tail", lambda: api.containers.logs("c", tail=-1)),
    ("bad tail", lambda: api.containers.logs("c", tail="some")),
    ("negative size", lambda: api.containers.resize("c", -1, 80)),
    ("negative limit", lambda: api.containers.list(limit=-1)),
    ("negative memory", lambda: api.containers.create("i", memory=-5)),
    ("bad swap", lambda: api.containers.create("i", memory_swap=-2)),
    ("bad health", lambda: api.containers.list(health=["sick"])),
    ("bad status", lambda: api.containers.list(status=["zombie"])),
    ("cmd string", lambda: api.containers.create("i", "echo hi")),  # type: ignore[arg-type]
    ("exec empty", lambda: api.exec.create("c", [])),
    ("restart + rm", lambda: api.containers.create("i", auto_remove=True, restart_policy="always")),
    ("restart kind", lambda: api.containers.create("i", restart_policy="sometimes")),
    ("no streams", lambda: api.containers.logs("c", stdout=False, stderr=False)),
    ("from src dash", lambda: FromSrc("-")),
    ("wait condition", lambda: api.containers.wait("c", "whenever")),
    ("network name", lambda: api.networks.create("bad name")),
]


@pytest.mark.parametrize("name,call", BAD, ids=[b[0] for b in BAD])
def test_bad_arguments_raise_value_error(name: str, call: Any) -> None:
    """Arguments the client can check raise ValueError before anything is built."""
    with pytest.raises(ValueError):
        call()


def test_bodies_of_the_other_builders() -> None:
    """commit, auth, networks and volumes send exactly these JSON bodies."""
    req = api.containers.commit("c1", repo="me/img", tag="v1", changes=["CMD ls"], pause=False)
    line, _, body = wire(req)
    assert line == (
        "POST /v1.41/commit?container=c1&pause=false&repo=me%2Fimg&tag=v1&changes=CMD%20ls HTTP/1.1"
    )
    assert json.loads(body) == {}
    assert _body(api.system.auth("u", "p", "reg.example")) == {
        "username": "u",
        "password": "p",
        "serveraddress": "reg.example",
    }
    assert _body(api.networks.create("n1", "bridge", internal=True, labels={"a": "b"})) == {
        "Name": "n1",
        "CheckDuplicate": True,
        "Driver": "bridge",
        "Internal": True,
        "Labels": {"a": "b"},
    }
    assert _body(api.networks.connect("n1", "c1", aliases=["web"], ipv4_address="10.0.0.5")) == {
        "Container": "c1",
        "EndpointConfig": {"Aliases": ["web"], "IPAMConfig": {"IPv4Address": "10.0.0.5"}},
    }
    assert _body(api.networks.disconnect("n1", "c1", force=True)) == {
        "Container": "c1",
        "Force": True,
    }
    assert _body(api.volumes.create("v1", "local", {"o": "x"}, {"l": "1"})) == {
        "Name": "v1",
        "Driver": "local",
        "DriverOpts": {"o": "x"},
        "Labels": {"l": "1"},
    }
    assert wire(api.networks.connect("n1", "c1"))[0] == "POST /v1.41/networks/n1/connect HTTP/1.1"
    assert wire(api.volumes.create())[0] == "POST /v1.41/volumes/create HTTP/1.1"
    assert _body(api.containers.update("c1", memory=1 << 20, resources={"CpuQuota": 5000})) == {
        "Memory": 1 << 20,
        "CpuQuota": 5000,
    }
    assert _body(api.exec.start("e1", tty=True, detach=True)) == {"Detach": True, "Tty": True}
    with pytest.raises(ValueError, match="Engine's field names"):
        api.containers.update("c1", resources={"memory": 1})
    with pytest.raises(ValueError, match="CpuShares"):
        api.containers.update("c1", cpu_shares=-1)


def test_models_tolerate_what_engines_leave_out() -> None:
    """Summaries parse with missing sizes, labels, VirtualSize and <none> tags."""
    c = dockproto.ContainerSummary.from_json({"Id": "x"}, size=True)
    assert (c.size_rw, c.size_root_fs, c.labels, c.ports) == (0, 0, {}, [])
    i = dockproto.ImageSummary.from_json(
        {"Id": "sha256:1", "Size": 10, "RepoTags": ["<none>:<none>"], "Labels": None}
    )
    assert (i.virtual_size, i.tags, i.labels) == (10, [], {})
    e = dockproto.ExecInspect.from_json({"ID": "e", "Running": True, "ExitCode": 0})
    assert e.exit_code is None and e.running
    p = dockproto.Port.from_json({"PrivatePort": 80, "Type": "udp"})
    assert (p.priv, p.pub, p.typ) == (80, 0, "udp")


def test_summary_values_have_their_types() -> None:
    """A summary built slot by slot converts what is not yet of its type, copies what is,
    compares and prints as a dataclass, and a subclass still goes through its __init__."""
    j = {
        "Id": 5,
        "Names": ["/a", 3],
        "Image": None,
        "Created": "12",
        "Ports": [{"PrivatePort": "80", "Type": "", "IP": 0}, {"PublicPort": 8080}],
        "Labels": {"a": 1, "b": "c"},
    }
    c = dockproto.ContainerSummary.from_json(j)
    assert (c.id, c.names, c.image, c.created) == ("5", ["/a", "3"], "", 12.0)
    assert c.ports == [dockproto.Port(80, 0, "tcp", ""), dockproto.Port(0, 8080, "tcp", "")]
    assert c.labels == {"a": "1", "b": "c"} and c.raw is j
    plain = {"Id": "x", "Names": ["/n"], "Labels": {"k": "v"}}
    s = dockproto.ContainerSummary.from_json(plain)
    assert s.labels == {"k": "v"} and s.labels is not plain["Labels"]
    assert s.names == ["/n"] and s.names is not plain["Names"]
    assert s == dockproto.ContainerSummary.from_json({**plain, "Extra": 1})  # (raw not compared)
    assert repr(s).startswith("ContainerSummary(id='x', names=['/n'], image=''")
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.id = "y"  # type: ignore[misc]

    class Sub(dockproto.ContainerSummary):
        def __init__(self, **kw: Any) -> None:
            super().__init__(**kw)
            seen.append(kw["id"])

    seen: list[str] = []
    assert type(Sub.from_json(plain)) is Sub and seen == ["x"]


def test_summary_fields_made_on_first_read_are_the_same() -> None:
    """A list's summaries make most fields on first read: the values, equality, repr,
    pickling and copies are those of a summary made whole; other names still fail."""
    import copy
    import pickle

    j = {
        "Id": "abc",
        "Names": ["/web"],
        "Image": "nginx",
        "Command": "run",
        "Created": 17,
        "Status": "Up",
        "State": "running",
        "Ports": [{"PrivatePort": 80, "Type": "tcp"}],
        "Labels": {"k": "v"},
    }
    lazy = dockproto.ContainerSummary.from_json(j)
    whole = dockproto.ContainerSummary(
        "abc", ["/web"], "nginx", "run", 17.0, "Up", [dockproto.Port(80, 0, "tcp")], None,
        None, "running", {"k": "v"}, j,
    )  # fmt: skip
    assert repr(dockproto.ContainerSummary.from_json(j)) == repr(whole)
    assert dockproto.ContainerSummary.from_json(j) == whole
    assert pickle.loads(pickle.dumps(dockproto.ContainerSummary.from_json(j))) == whole
    assert copy.copy(dockproto.ContainerSummary.from_json(j)) == whole
    assert dataclasses.asdict(dockproto.ContainerSummary.from_json(j)) == dataclasses.asdict(whole)
    assert lazy.labels == {"k": "v"} and type(lazy.created) is float and lazy.names == ["/web"]
    bare = dockproto.ContainerSummary.from_json({"Id": "x"})
    assert (bare.size_rw, bare.ports, bare.size_root_fs, bare.names) == (None, [], None, [])
    assert not hasattr(lazy, "nothing")
    with pytest.raises(AttributeError, match="nothing"):
        lazy.nothing  # type: ignore[attr-defined]  # noqa: B018
    # What may fail still fails at once, as the answer is read:
    with pytest.raises(ValueError):
        dockproto.ContainerSummary.from_json({**j, "Created": "soon"})
    with pytest.raises(AttributeError):
        dockproto.ContainerSummary.from_json({**j, "Labels": ["k"]})
    with pytest.raises(KeyError):
        dockproto.ContainerSummary.from_json({"Names": []})
