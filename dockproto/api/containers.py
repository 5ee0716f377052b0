"""Containers: every operation of ``/containers``, as pure request builders.

Names and ids are checked against the daemon's rule before anything is sent; so are
bind paths (no ``:``), signal names, sizes and tails.  Whether an output stream is
multiplexed or raw is the container's TTY setting, which the caller passes as ``tty``
(``dockproto_trio`` learns it from ``create`` or one ``inspect``).
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, overload

from .._content import Content
from .._events import Response
from .._models.containers import Change, ContainerSummary
from .._request import (
    Expect,
    Request,
    check_image,
    check_name,
    filters_param,
    flag,
    json_body,
    json_object,
    logs_request,
    non_negative,
    seg,
)
from .._since import CONTAINER_CONFIG, CREATE_BODY, UPDATE_BODY, MinApi, body_fields, parameter

if TYPE_CHECKING:  # (the bind types load when create is given binds)
    from .._models.binds import Bind

# Linux signal numbers, as the daemon's host knows them (it parses names itself too).
SIGNALS = {
    "HUP": 1, "INT": 2, "QUIT": 3, "ILL": 4, "TRAP": 5, "ABRT": 6, "IOT": 6, "BUS": 7,
    "FPE": 8, "KILL": 9, "USR1": 10, "SEGV": 11, "USR2": 12, "PIPE": 13, "ALRM": 14,
    "TERM": 15, "STKFLT": 16, "CHLD": 17, "CONT": 18, "STOP": 19, "TSTP": 20, "TTIN": 21,
    "TTOU": 22, "URG": 23, "XCPU": 24, "XFSZ": 25, "VTALRM": 26, "PROF": 27, "WINCH": 28,
    "IO": 29, "POLL": 29, "PWR": 30, "SYS": 31,
}  # fmt: skip

HEALTH = ("starting", "healthy", "unhealthy", "none")
STATUSES = ("created", "restarting", "running", "removing", "paused", "exited", "dead")
RESTART = ("no", "always", "unless-stopped", "on-failure")


def _cid(container: str) -> str:
    return seg(container, "container id or name")


def _path(container: str, rest: str = "") -> str:
    return f"/containers/{_cid(container)}{rest}"


def signal_value(signal: int | str) -> str:
    """A signal as the daemon takes it; names are checked against the Linux table."""
    if isinstance(signal, bool):
        raise ValueError(f"invalid signal {signal!r}")
    if isinstance(signal, int):
        if not 0 < signal < 65:
            raise ValueError(f"invalid signal number {signal}")
        return str(signal)
    name = signal.upper()
    name = name[3:] if name.startswith("SIG") else name
    if name in SIGNALS:
        return f"SIG{name}"
    if name.startswith("RTMIN") or name.startswith("RTMAX"):
        return f"SIG{name}"
    raise ValueError(f"unknown signal name {signal!r}")


# -- list ----------------------------------------------------------------------------


def list(
    all: bool = False,
    limit: int | None = None,
    since: str | None = None,
    before: str | None = None,
    size: bool = False,
    filters: Mapping[str, Any] | None = None,
    *,
    exited: Sequence[int] | None = None,
    health: Sequence[str] | None = None,
    name: Sequence[str] | None = None,
    status: Sequence[str] | None = None,
    volume: str | Sequence[str] | None = None,
    label: str | Sequence[str] | Mapping[str, str] | None = None,
) -> Request[builtins.list[ContainerSummary]]:
    """``GET /containers/json`` as ``list[ContainerSummary]``.

    ``since``/``before`` and the keyword filters are the OCaml ``list``'s; ``filters``
    takes any other daemon filter as ``{name: [values]}``.
    """
    query: builtins.list[tuple[str, str]] = []
    if all:
        query.append(("all", "true"))
    if non_negative(limit, "limit") is not None:
        query.append(("limit", str(limit)))
    if size:
        query.append(("size", "true"))
    f: dict[str, Any] = dict(filters or {})
    if since is not None:
        f["since"] = check_name(since, "container id or name")
    if before is not None:
        f["before"] = check_name(before, "container id or name")
    if exited is not None:
        f["exited"] = [int(non_negative(int(c), "exit code") or 0) for c in exited]
    if health is not None:
        for h in health:
            if h not in HEALTH:
                raise ValueError(f"health filter is one of {HEALTH}, not {h!r}")
        f["health"] = [*health]
    if name is not None:
        f["name"] = [name] if isinstance(name, str) else [*name]
    if status is not None:
        sts = [status] if isinstance(status, str) else [*status]
        for s in sts:
            if s not in STATUSES:
                raise ValueError(f"status filter is one of {STATUSES}, not {s!r}")
        f["status"] = sts
    if volume is not None:
        f["volume"] = [volume] if isinstance(volume, str) else [*volume]
    if label is not None:
        if isinstance(label, Mapping):
            f["label"] = [f"{k}={v}" for k, v in label.items()]
        else:
            f["label"] = [label] if isinstance(label, str) else [*label]
    query += filters_param(f)

    def parse(value: Any) -> builtins.list[ContainerSummary]:
        return [ContainerSummary.from_json(c, size=size) for c in value or []]

    return Request("GET", "/containers/json", query=tuple(query), parse=parse)


# -- create --------------------------------------------------------------------------


def _ports(
    ports: Mapping[str, Any] | None, exposed: Sequence[str] | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    exposed_ports: dict[str, Any] = {}
    bindings: dict[str, Any] = {}

    def key(p: Any) -> str:
        text = str(p)
        return text if "/" in text else f"{text}/tcp"

    for p in exposed or ():
        exposed_ports[key(p)] = {}
    for p, host in (ports or {}).items():
        k = key(p)
        exposed_ports[k] = {}
        if host is None:
            continue
        targets = host if isinstance(host, builtins.list) else [host]
        out = []
        for t in targets:
            if isinstance(t, tuple):
                ip, port = t
                out.append({"HostIp": str(ip), "HostPort": str(port or "")})
            else:
                out.append({"HostIp": "", "HostPort": str(t)})
        bindings[k] = out
    return exposed_ports, bindings


def _restart(policy: str | tuple[str, int] | None) -> dict[str, Any] | None:
    if policy is None:
        return None
    count = 0
    if isinstance(policy, tuple):
        policy, count = policy
    if policy not in RESTART:
        raise ValueError(f"restart policy is one of {RESTART}, not {policy!r}")
    if count and policy != "on-failure":
        raise ValueError("a retry count goes only with the on-failure policy")
    return {"Name": policy, "MaximumRetryCount": int(count)}


def create(
    image: str,
    cmd: Sequence[str] | None = None,
    *,
    name: str | None = None,
    hostname: str | None = None,
    domainname: str | None = None,
    user: str | None = None,
    memory: int | None = None,
    memory_swap: int | None = None,
    stdin: bool = False,
    stdout: bool = True,
    stderr: bool = True,
    open_stdin: bool = False,
    stdin_once: bool = False,
    tty: bool = False,
    env: Sequence[str] | Mapping[str, str] | None = None,
    workingdir: str | None = None,
    networking: bool = False,
    binds: Sequence[Bind] | None = None,
    labels: Mapping[str, str] | None = None,
    entrypoint: Sequence[str] | str | None = None,
    auto_remove: bool = False,
    cpu_shares: int | None = None,
    cgroup_parent: str | None = None,
    blkio_weight: int | None = None,
    cpu_period: int | None = None,
    network_mode: str | None = None,
    restart_policy: str | tuple[str, int] | None = None,
    ports: Mapping[str, Any] | None = None,
    exposed_ports: Sequence[str] | None = None,
    stop_signal: str | None = None,
    host_config: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    platform: str | None = None,
) -> Request[str]:
    """``POST /containers/create``; the answer is the new container's id.

    The parameters are those of the OCaml ``create`` and its ``host`` config, plus
    ``tty``, ``labels``, ``entrypoint``, ``ports`` (``{"80/tcp": 8080}``, a
    ``(host_ip, port)`` pair, a list of them, or None to expose only) and
    ``exposed_ports``.  ``networking=False`` (the OCaml default) creates the container
    without a network; ``network_mode`` or ``networking=True`` gives it one.
    ``host_config`` and ``config`` are merged last, for fields not named here; those a
    later API version added (``HostConfig.Annotations``, 1.43...: ``dockproto._since``)
    are refused when the connection speaks an older one.  ``platform`` (``os[/arch[/variant]]``,
    API 1.41) picks which of the image's platforms to run.
    """
    if not isinstance(image, str) or not image:
        raise ValueError("image must be a non-empty string")
    if name is not None:
        check_name(name)
    for what, v in (("memory", memory), ("cpu_shares", cpu_shares), ("cpu_period", cpu_period)):
        non_negative(v, what)
    if memory_swap is not None and (not isinstance(memory_swap, int) or memory_swap < -1):
        raise ValueError(f"memory_swap must be -1 or a non-negative int, not {memory_swap!r}")
    if blkio_weight is not None and not (blkio_weight == 0 or 10 <= blkio_weight <= 1000):
        raise ValueError(f"blkio_weight must be 0 or within 10..1000, not {blkio_weight!r}")
    policy = _restart(restart_policy)
    if auto_remove and policy is not None and policy["Name"] != "no":
        raise ValueError("auto_remove and a restart policy exclude each other")
    if binds:
        from .._models.binds import Mount, MountRO, Vol
    for b in binds or ():
        if not isinstance(b, (Vol, Mount, MountRO)):
            raise ValueError(f"a bind is Vol, Mount or MountRO, not {b!r}")
    env_list: builtins.list[str] | None
    if env is None:
        env_list = None
    elif isinstance(env, Mapping):
        env_list = [f"{k}={v}" for k, v in env.items()]
    else:
        env_list = [str(e) for e in env]

    exposed, bindings = _ports(ports, exposed_ports)
    cfg: dict[str, Any] = {
        "Image": image,
        "AttachStdin": stdin,
        "AttachStdout": stdout,
        "AttachStderr": stderr,
        "OpenStdin": open_stdin,
        "StdinOnce": stdin_once,
        "Tty": tty,
    }
    if cmd is not None:
        if isinstance(cmd, str):
            raise ValueError("cmd is a list of strings (the program and its arguments)")
        cfg["Cmd"] = [str(c) for c in cmd]
    optional = {
        "Hostname": hostname,
        "Domainname": domainname,
        "User": user,
        "Env": env_list,
        "WorkingDir": workingdir,
        "Labels": dict(labels) if labels else None,
        "StopSignal": signal_value(stop_signal) if stop_signal else None,
        "ExposedPorts": exposed or None,
    }
    cfg.update({k: v for k, v in optional.items() if v is not None})
    if entrypoint is not None:
        cfg["Entrypoint"] = [entrypoint] if isinstance(entrypoint, str) else [*entrypoint]
    if not networking and network_mode is None:
        cfg["NetworkDisabled"] = True
    hc: dict[str, Any] = {}
    hc_optional = {
        "Memory": memory,
        "MemorySwap": memory_swap,
        "CpuShares": cpu_shares,
        "CgroupParent": cgroup_parent,
        "BlkioWeight": blkio_weight,
        "CpuPeriod": cpu_period,
        "NetworkMode": network_mode
        if network_mode is not None
        else (None if networking else "none"),
        "RestartPolicy": policy,
        "PortBindings": bindings or None,
        "Binds": [b.to_bind() for b in binds] if binds else None,
    }
    hc.update({k: v for k, v in hc_optional.items() if v is not None})
    if auto_remove:
        hc["AutoRemove"] = True
    hc.update(host_config or {})
    cfg["HostConfig"] = hc
    cfg.update(config or {})
    body, headers = json_body(cfg)
    query: tuple[tuple[str, str], ...] = (("name", name),) if name is not None else ()
    if platform:
        query += (("platform", platform),)
    return Request(
        "POST",
        "/containers/create",
        query=query,
        body=body,
        headers=headers,
        parse=lambda v: str(v["Id"]),
        min_api=body_fields("containers.create", cfg, CREATE_BODY),
    )


# -- simple operations --------------------------------------------------------------


def inspect(container: str, size: bool = False) -> Request[dict[str, Any]]:
    """``GET /containers/{id}/json`` as a dict."""
    query = (("size", "true"),) if size else ()
    return Request("GET", _path(container, "/json"), query=query, parse=json_object, container=True)


def changes(container: str) -> Request[builtins.list[Change]]:
    """``GET /containers/{id}/changes`` as ``list[Change]`` (``null`` means none)."""
    return Request(
        "GET",
        _path(container, "/changes"),
        parse=lambda v: [Change.from_json(c) for c in v or []],
        container=True,
    )


def top(container: str, ps_args: str | None = None) -> Request[dict[str, Any]]:
    """``GET /containers/{id}/top``: ``{"Titles": [...], "Processes": [[...]]}``."""
    query = (("ps_args", ps_args),) if ps_args else ()
    return Request("GET", _path(container, "/top"), query=query, parse=json_object, container=True)


def _empty(
    method: str, path: str, query: tuple[tuple[str, str], ...] = (), min_api: MinApi = ()
) -> Request[None]:
    return Request(method, path, query=query, expect=Expect.EMPTY, container=True, min_api=min_api)


def start(container: str, detach_keys: str | None = None) -> Request[None]:
    """``POST /containers/{id}/start``; 304 (already started) is not an error."""
    query = (("detachKeys", detach_keys),) if detach_keys else ()
    return _empty("POST", _path(container, "/start"), query)


def _stop_query(
    op: str, wait: int | None, signal: int | str | None
) -> tuple[tuple[tuple[str, str], ...], MinApi]:
    query: builtins.list[tuple[str, str]] = []
    if non_negative(wait, "wait") is not None:
        query.append(("t", str(wait)))
    if signal is None:
        return tuple(query), ()
    query.append(("signal", signal_value(signal)))
    return tuple(query), (parameter(f"containers.{op}(signal=...)"),)


def stop(container: str, wait: int | None = None, signal: int | str | None = None) -> Request[None]:
    """``POST /containers/{id}/stop``; ``wait`` seconds before the kill (``t=``).

    ``signal`` (API 1.42) overrides the container's stop signal."""
    query, min_api = _stop_query("stop", wait, signal)
    return _empty("POST", _path(container, "/stop"), query, min_api)


def restart(
    container: str, wait: int | None = None, signal: int | str | None = None
) -> Request[None]:
    """``POST /containers/{id}/restart``; ``wait`` and ``signal`` (API 1.42) as in ``stop``."""
    query, min_api = _stop_query("restart", wait, signal)
    return _empty("POST", _path(container, "/restart"), query, min_api)


def kill(container: str, signal: int | str | None = None) -> Request[None]:
    """``POST /containers/{id}/kill``; ``signal`` a number or a name like ``"SIGTERM"``."""
    query = (("signal", signal_value(signal)),) if signal is not None else ()
    return _empty("POST", _path(container, "/kill"), query)


def pause(container: str) -> Request[None]:
    """``POST /containers/{id}/pause``."""
    return _empty("POST", _path(container, "/pause"))


def unpause(container: str) -> Request[None]:
    """``POST /containers/{id}/unpause``."""
    return _empty("POST", _path(container, "/unpause"))


def wait(container: str, condition: str | None = None) -> Request[int]:
    """``POST /containers/{id}/wait``: the exit code, once the container stops."""
    if condition is not None and condition not in ("not-running", "next-exit", "removed"):
        raise ValueError(f"unknown wait condition {condition!r}")
    query = (("condition", condition),) if condition else ()
    return Request(
        "POST",
        _path(container, "/wait"),
        query=query,
        parse=lambda v: int(v["StatusCode"]),
        container=True,
    )


def rm(
    container: str, volumes: bool = False, force: bool = False, link: bool = False
) -> Request[None]:
    """``DELETE /containers/{id}``."""
    query = (("v", flag(volumes)), ("force", flag(force)), ("link", flag(link)))
    return _empty("DELETE", _path(container), query)


def rename(container: str, name: str) -> Request[None]:
    """``POST /containers/{id}/rename``."""
    return _empty("POST", _path(container, "/rename"), (("name", check_name(name)),))


def resize(container: str, height: int, width: int) -> Request[None]:
    """``POST /containers/{id}/resize``: the TTY's size in characters."""
    h = non_negative(height, "height")
    w = non_negative(width, "width")
    return _empty("POST", _path(container, "/resize"), (("h", str(h)), ("w", str(w))))


def update(
    container: str,
    *,
    memory: int | None = None,
    memory_swap: int | None = None,
    cpu_shares: int | None = None,
    cpu_period: int | None = None,
    cpu_quota: int | None = None,
    blkio_weight: int | None = None,
    pids_limit: int | None = None,
    restart_policy: str | tuple[str, int] | None = None,
    resources: Mapping[str, Any] | None = None,
) -> Request[dict[str, Any]]:
    """``POST /containers/{id}/update``: change a container's resources.

    The keywords are ``create``'s names (``memory_swap`` may be -1: unlimited); any other
    field of the Engine's ``Resources`` goes in ``resources`` by its own name
    (``{"CpuRealtimeRuntime": ...}``).
    """
    given = {
        "Memory": memory,
        "MemorySwap": memory_swap,
        "CpuShares": cpu_shares,
        "CpuPeriod": cpu_period,
        "CpuQuota": cpu_quota,
        "BlkioWeight": blkio_weight,
        "PidsLimit": pids_limit,
    }
    body_json: dict[str, Any] = {}
    for key, val in (resources or {}).items():
        if not key[:1].isupper():
            raise ValueError(f"resources takes the Engine's field names, not {key!r}")
        body_json[key] = val
    for key, val in given.items():
        if val is not None:
            if key != "MemorySwap":
                non_negative(val, key)
            body_json[key] = val
    if restart_policy is not None:
        body_json["RestartPolicy"] = _restart(restart_policy)
    body, headers = json_body(body_json)
    return Request(
        "POST",
        _path(container, "/update"),
        body=body,
        headers=headers,
        parse=json_object,
        container=True,
        min_api=body_fields("containers.update", body_json, UPDATE_BODY),
    )


def prune(filters: Mapping[str, Any] | None = None) -> Request[dict[str, Any]]:
    """``POST /containers/prune``: ``{"ContainersDeleted": [...], "SpaceReclaimed": n}``."""
    return Request(
        "POST", "/containers/prune", query=tuple(filters_param(filters)), parse=json_object
    )


# -- streams -------------------------------------------------------------------------


def logs(
    container: str,
    stdout: bool = True,
    stderr: bool = True,
    follow: bool = False,
    since: int | float | None = None,
    until: int | float | None = None,
    timestamps: bool = False,
    tail: int | str | None = None,
    *,
    tty: bool = False,
    frames: bool | None = None,
) -> Request[None]:
    """``GET /containers/{id}/logs``: a stream of ``StreamChunk`` (stdout and stderr kept apart).

    ``tty`` is the container's TTY setting (a TTY container's log is one raw stream).
    With ``timestamps`` each chunk is one whole log entry (``frames`` forces either way).
    """
    return logs_request(
        _path(container, "/logs"),
        stdout,
        stderr,
        follow,
        since,
        timestamps,
        tail,
        until=until,
        tty=tty,
        frames=frames,
        container=True,
    )


def attach(
    container: str,
    logs: bool = False,
    stream: bool = True,
    stdin: bool = False,
    stdout: bool = True,
    stderr: bool = True,
    detach_keys: str | None = None,
    *,
    tty: bool = False,
) -> Request[None]:
    """``POST /containers/{id}/attach``, upgraded to a raw stream (``Hijacked``)."""
    query = [
        ("logs", flag(logs)),
        ("stream", flag(stream)),
        ("stdin", flag(stdin)),
        ("stdout", flag(stdout)),
        ("stderr", flag(stderr)),
    ]
    if detach_keys:
        query.append(("detachKeys", detach_keys))
    return Request(
        "POST",
        _path(container, "/attach"),
        query=tuple(query),
        expect=Expect.HIJACK,
        content=Content.RAW if tty else Content.MUX,
        container=True,
    )


def attach_ws(
    container: str,
    logs: bool = False,
    stream: bool = True,
    stdin: bool = False,
    stdout: bool = True,
    stderr: bool = True,
    detach_keys: str | None = None,
    *,
    key: str | None = None,
) -> Request[None]:
    """``GET /containers/{id}/attach/ws``, upgraded to a WebSocket: the output comes
    as messages (``WebSocketMessage``; stdout and stderr together, not multiplexed),
    and each message sent goes to stdin.

    ``key`` is the ``Sec-WebSocket-Key`` (for exact bytes in tests); by default the
    ``Connection`` makes a fresh one for each upgrade."""
    query = [
        ("logs", flag(logs)),
        ("stream", flag(stream)),
        ("stdin", flag(stdin)),
        ("stdout", flag(stdout)),
        ("stderr", flag(stderr)),
    ]
    if detach_keys:
        query.append(("detachKeys", detach_keys))
    headers: tuple[tuple[str, str], ...] = ()
    if key is not None:
        import base64
        import binascii

        try:
            ok = len(base64.b64decode(key, validate=True)) == 16
        except (binascii.Error, ValueError):
            ok = False
        if not ok:
            raise ValueError(f"a Sec-WebSocket-Key is base64 of 16 bytes, not {key!r}")
        headers = (("Sec-WebSocket-Key", key),)
    return Request(
        "GET",
        _path(container, "/attach/ws"),
        query=tuple(query),
        headers=headers,
        expect=Expect.WEBSOCKET,
        container=True,
    )


@overload
def stats(
    container: str, stream: Literal[True] = True, one_shot: bool = False
) -> Request[None]: ...
@overload
def stats(
    container: str, stream: Literal[False], one_shot: bool = False
) -> Request[dict[str, Any]]: ...
@overload
def stats(
    container: str, stream: bool = True, one_shot: bool = False
) -> Request[dict[str, Any]] | Request[None]: ...
def stats(
    container: str, stream: bool = True, one_shot: bool = False
) -> Request[dict[str, Any]] | Request[None]:
    """``GET /containers/{id}/stats``: one dict, or a stream of ``JSONMessage`` dicts."""
    query = [("stream", flag(stream))]
    if one_shot:
        if stream:
            raise ValueError("one_shot goes with stream=False")
        query.append(("one-shot", "true"))
    if stream:
        return Request(
            "GET",
            _path(container, "/stats"),
            query=tuple(query),
            expect=Expect.STREAM,
            content=Content.JSONLINES,
            container=True,
        )
    return Request(
        "GET", _path(container, "/stats"), query=tuple(query), parse=json_object, container=True
    )


def export(container: str, *, raw: bool = False) -> Request[None]:
    """``GET /containers/{id}/export``: tar items (or ``RawData`` with ``raw``)."""
    return Request(
        "GET",
        _path(container, "/export"),
        expect=Expect.STREAM,
        content=Content.BYTES if raw else Content.TAR,
        container=True,
    )


def _archive_path(path: str) -> str:
    if not isinstance(path, str) or not path:
        raise ValueError("an archive path is a non-empty string")
    return path


def get_archive(container: str, path: str, *, raw: bool = False) -> Request[None]:
    """``GET /containers/{id}/archive?path=``: tar items; the head carries the path stat."""
    return Request(
        "GET",
        _path(container, "/archive"),
        query=(("path", _archive_path(path)),),
        expect=Expect.STREAM,
        content=Content.BYTES if raw else Content.TAR,
        container=True,
    )


def stat_archive(container: str, path: str) -> Request[None]:
    """``HEAD /containers/{id}/archive?path=``; decode the head with ``path_stat``."""
    return Request(
        "HEAD",
        _path(container, "/archive"),
        query=(("path", _archive_path(path)),),
        expect=Expect.EMPTY,
        container=True,
    )


def path_stat(response: Response) -> dict[str, Any] | None:
    """The ``X-Docker-Container-Path-Stat`` header: name, size, mode, mtime, linkTarget."""
    value = response.header("x-docker-container-path-stat")
    if not value:
        return None
    import base64  # (here: only this header needs it)
    import binascii

    try:
        decoded = json.loads(base64.b64decode(value + "=" * (-len(value) % 4)))
    except (binascii.Error, ValueError) as exc:
        from .._errors import ProtocolError

        raise ProtocolError(f"bad X-Docker-Container-Path-Stat header: {exc}") from None
    return decoded if isinstance(decoded, dict) else None


def put_archive(
    container: str,
    path: str,
    *,
    no_overwrite_dir_non_dir: bool = False,
    copy_uid_gid: bool = False,
) -> Request[None]:
    """``PUT /containers/{id}/archive?path=``: send the tar with ``send_body``/``end_body``."""
    query = [("path", _archive_path(path))]
    if no_overwrite_dir_non_dir:
        query.append(("noOverwriteDirNonDir", "true"))
    if copy_uid_gid:
        query.append(("copyUIDGID", "true"))
    return Request(
        "PUT",
        _path(container, "/archive"),
        query=tuple(query),
        headers=(("Content-Type", "application/x-tar"),),
        streamed_body=True,
        expect=Expect.EMPTY,
        container=True,
    )


def commit(
    container: str,
    repo: str | None = None,
    tag: str | None = None,
    comment: str | None = None,
    author: str | None = None,
    changes: Sequence[str] | None = None,
    pause: bool = True,
    config: Mapping[str, Any] | None = None,
) -> Request[dict[str, Any]]:
    """``POST /commit``: a new image from the container's filesystem; ``{"Id": ...}``."""
    query = [("container", _cid(container)), ("pause", flag(pause))]
    if repo:
        query.append(("repo", check_image(repo)))
    for key, val in (("tag", tag), ("comment", comment), ("author", author)):
        if val:
            query.append((key, val))
    for c in changes or ():
        query.append(("changes", c))
    cfg = dict(config or {})
    body, headers = json_body(cfg)
    return Request(
        "POST",
        "/commit",
        query=tuple(query),
        body=body,
        headers=headers,
        parse=json_object,
        container=True,
        min_api=body_fields("containers.commit", cfg, CONTAINER_CONFIG),
    )
