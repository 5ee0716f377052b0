"""Wire-level golden tests of ``api.images.build`` and ``build_prune``: every v1.41 query
parameter of ``POST /build``, its headers, and the arguments refused before sending."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

import dockproto
from dockproto import Connection, api

from .test_builders import wire

V = "/v1.41/build"

GOLDEN: list[tuple[str, Any, str]] = [
    ("bare", api.images.build(), V),
    ("dockerfile", api.images.build("sub/Dockerfile"), f"{V}?dockerfile=sub%2FDockerfile"),
    ("one tag", api.images.build(tags="me/app:1"), f"{V}?t=me%2Fapp%3A1"),
    ("tags", api.images.build(tags=["a:1", "b"]), f"{V}?t=a%3A1&t=b"),
    (
        "extra hosts",
        api.images.build(extra_hosts=["h:1.2.3.4", "g:::1"]),
        f"{V}?extrahosts=h%3A1.2.3.4&extrahosts=g%3A%3A%3A1",
    ),
    (
        "extra hosts map",
        api.images.build(extra_hosts={"h": "1.2.3.4"}),
        f"{V}?extrahosts=h%3A1.2.3.4",
    ),
    (
        "remote",
        api.images.build(remote="https://x/ctx.tar"),
        f"{V}?remote=https%3A%2F%2Fx%2Fctx.tar",
    ),
    ("quiet", api.images.build(quiet=True), f"{V}?q=true"),
    ("nocache", api.images.build(nocache=True), f"{V}?nocache=true"),
    (
        "cachefrom",
        api.images.build(cache_from=["a:1", "b"]),
        f"{V}?cachefrom=%5B%22a%3A1%22%2C%22b%22%5D",
    ),
    ("pull", api.images.build(pull=True), f"{V}?pull=true"),
    ("rm", api.images.build(rm=False), f"{V}?rm=false"),
    ("forcerm", api.images.build(forcerm=True), f"{V}?forcerm=true"),
    (
        "limits",
        api.images.build(
            memory=1 << 20,
            memswap=-1,
            cpu_shares=512,
            cpuset_cpus="0-1",
            cpu_period=100000,
            cpu_quota=50000,
        ),
        f"{V}?memory=1048576&memswap=-1&cpushares=512&cpusetcpus=0-1&cpuperiod=100000"
        "&cpuquota=50000",
    ),
    (
        "buildargs",
        api.images.build(buildargs={"A": "1", "FROM_ENV": None}),
        f"{V}?buildargs=%7B%22A%22%3A%221%22%2C%22FROM_ENV%22%3Anull%7D",
    ),
    ("shmsize", api.images.build(shm_size=67108864), f"{V}?shmsize=67108864"),
    ("squash", api.images.build(squash=True), f"{V}?squash=true"),
    (
        "labels",
        api.images.build(labels={"k": "v w"}),
        f"{V}?labels=%7B%22k%22%3A%22v%20w%22%7D",
    ),
    ("networkmode", api.images.build(network_mode="host"), f"{V}?networkmode=host"),
    ("platform", api.images.build(platform="linux/arm64"), f"{V}?platform=linux%2Farm64"),
    ("target", api.images.build(target="base"), f"{V}?target=base"),
    (
        "outputs",
        api.images.build(outputs=[{"Type": "moby", "Attrs": {}}]),
        f"{V}?outputs=%5B%7B%22Type%22%3A%22moby%22%2C%22Attrs%22%3A%7B%7D%7D%5D",
    ),
    (
        "outputs text",
        api.images.build(outputs='[{"Type":"moby"}]'),
        f"{V}?outputs=" + "%5B%7B%22Type%22%3A%22moby%22%7D%5D",
    ),
    ("version", api.images.build(version="1"), f"{V}?version=1"),
    ("prune", api.images.build_prune(), "/v1.41/build/prune"),
    (
        "prune all",
        api.images.build_prune(keep_storage=1000, all=True, filters={"until": "24h"}),
        "/v1.41/build/prune?keep-storage=1000&all=true&filters=%7B%22until%22%3A%5B%2224h%22%5D%7D",
    ),
]


@pytest.mark.parametrize("name,req,target", GOLDEN, ids=[g[0] for g in GOLDEN])
def test_request_line(name: str, req: dockproto.Request[Any], target: str) -> None:
    """Each build request's line is exactly this (defaults send nothing)."""
    assert wire(req)[0] == f"POST {target} HTTP/1.1"


def test_build_head_and_body() -> None:
    """A build sends its context as a chunked tar, ended by the last chunk."""
    conn = Connection("1.41")
    head = conn.send_request(api.images.build(tags="x"))
    assert head == (
        b"POST /v1.41/build?t=x HTTP/1.1\r\nHost: docker\r\nUser-Agent: dockproto/0.1\r\n"
        b"Content-Type: application/x-tar\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    assert conn.send_body(b"tar!") == b"4\r\ntar!\r\n"
    assert conn.end_body() == b"0\r\n\r\n"


def test_registry_config_header() -> None:
    """X-Registry-Config is base64url of the JSON map of registry to credentials; it is
    redacted in a repr as X-Registry-Auth is."""
    configs = {"reg:5000": {"username": "u", "password": "p>?"}, "https://index.docker.io/v1/": {}}
    req = api.images.build(auth_configs=configs)
    value = wire(req)[1]["X-Registry-Config"]
    assert "+" not in value and "/" not in value
    assert json.loads(base64.urlsafe_b64decode(value)) == configs
    assert "p>?" not in repr(req) and "X-Registry-Config', '<redacted>'" in repr(req)
    assert wire(api.images.build(auth_configs={}))[1]["X-Registry-Config"] == "e30="
    assert "X-Registry-Config" not in wire(api.images.build())[1]


def test_buildargs_redacted() -> None:
    """Build-arg values never show in a repr or a log target; their names do."""
    req = api.images.build(buildargs={"TOKEN": "hunter2"})
    assert "hunter2" not in repr(req) and "hunter2" not in req.redacted_target("1.41")
    assert "TOKEN" in repr(req)
    assert "hunter2" in req.target("1.41")


BAD: list[tuple[str, dict[str, Any], str]] = [
    ("empty dockerfile", {"dockerfile": ""}, "dockerfile"),
    ("blank tag", {"tags": ["a b"]}, "invalid image reference"),
    ("empty tag", {"tags": [""]}, "tags"),
    ("buildarg not str", {"buildargs": {"N": 1}}, r"buildargs\['N'\] must be a string"),
    ("buildargs not map", {"buildargs": ["A=1"]}, "mapping"),
    ("label null", {"labels": {"k": None}}, "labels"),
    ("shm 0", {"shm_size": 0}, "greater than 0"),
    ("negative memory", {"memory": -1}, "memory"),
    ("memswap -2", {"memswap": -2}, "memswap"),
    ("version 3", {"version": "3"}, "version"),
    ("bad cache_from", {"cache_from": ["a?b"]}, "invalid image reference"),
    ("bad auth key", {"auth_configs": {"r": {"pass": "x"}}}, "unknown registry auth field"),
    ("keep_storage", {"keep_storage": -1}, "keep_storage"),
]


@pytest.mark.parametrize("name,kwargs,match", BAD, ids=[b[0] for b in BAD])
def test_bad_arguments(name: str, kwargs: dict[str, Any], match: str) -> None:
    """Arguments the client can check are a ValueError before anything is sent; a
    build-arg's value is never in the message."""
    build = api.images.build_prune if name == "keep_storage" else api.images.build
    with pytest.raises(ValueError, match=match) as info:
        build(**kwargs)
    assert "hunter2" not in str(info.value)


def test_buildarg_value_not_in_error() -> None:
    """A build-arg of the wrong type: the message names the key and the type only."""
    with pytest.raises(ValueError) as info:
        api.images.build(buildargs={"K": b"hunter2"})  # type: ignore[dict-item]
    assert "hunter2" not in str(info.value) and "'K'" in str(info.value)
