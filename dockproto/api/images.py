"""Images: list, pull/import (``create``), inspect, history, tag, rm, push, search,
prune, save and get (a streamed tar), load (a streamed upload), and build (a streamed
context, ``dockproto._buildcontext`` writes a directory's) with its cache's prune.

Progress answers (pull, push, import, load) are JSON lines: ``JSONMessage`` events, an
error among them is ``JSONMessage.error``.  Registry credentials travel in the
``X-Registry-Auth`` header as base64url JSON; reading them from ``~/.docker/config.json``
is I/O and belongs to the adapter.
"""

from __future__ import annotations

import builtins
import json
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .._content import Content
from .._models.images import ImageSummary
from .._request import (
    Expect,
    Request,
    check_image,
    filters_param,
    flag,
    image_seg,
    json_object,
    json_objects,
    non_negative,
    with_tag,
)
from .._since import parameter

if TYPE_CHECKING:  # (the image sources load when create, pull or import_ needs them)
    from .._models.sources import ImageSource


def auth_header(auth: Mapping[str, Any] | None) -> tuple[tuple[str, str], ...]:
    """``X-Registry-Auth``: base64url of the JSON auth config (``{}`` when anonymous).

    ``auth`` is a ``RegistryAuth`` or a mapping of its fields (a ``ValueError`` naming a
    key it does not know, before anything is sent)."""
    if auth is None:
        return ()
    from .._credentials import RegistryAuth  # (here: only credentials need it)

    return (("X-Registry-Auth", RegistryAuth.of(auth).header_value()),)


def list(
    all: bool = False,
    filters: Mapping[str, Any] | None = None,
    digests: bool = False,
    shared_size: bool = False,
) -> Request[builtins.list[ImageSummary]]:
    """``GET /images/json`` as ``list[ImageSummary]``.

    ``shared_size`` (API 1.42) has the daemon compute each image's ``SharedSize`` (in
    ``ImageSummary.raw``)."""
    query: builtins.list[tuple[str, str]] = []
    if all:
        query.append(("all", "true"))
    if digests:
        query.append(("digests", "true"))
    if shared_size:
        query.append(("shared-size", "true"))
    query += filters_param(filters)
    return Request(
        "GET",
        "/images/json",
        query=tuple(query),
        parse=lambda v: [ImageSummary.from_json(i) for i in v or []],
        min_api=(parameter("images.list(shared_size=True)"),) if shared_size else (),
    )


def _progress(
    path: str,
    query: builtins.list[tuple[str, str]],
    headers: tuple[tuple[str, str], ...] = (),
    streamed: bool = False,
) -> Request[None]:
    return Request(
        "POST",
        path,
        query=tuple(query),
        headers=headers,
        streamed_body=streamed,
        expect=Expect.STREAM,
        content=Content.JSONLINES,
    )


def create(
    source: ImageSource,
    platform: str | None = None,
    auth: Mapping[str, Any] | None = None,
    *,
    repo: str | None = None,
    tag: str | None = None,
    changes: Sequence[str] | None = None,
    message: str | None = None,
) -> Request[None]:
    """``POST /images/create`` from one of the OCaml sources: pull, import from a URL, or
    import from a body (sent afterwards with ``send_body``/``end_body``).

    An import's ``tag`` travels inside the repo (``repo=name:tag``, no ``tag=``), which
    dockerd and podman both honour; podman ignores ``tag=`` on import.  The tag goes on
    the last path component (``localhost:5000/x`` + ``v1`` is ``localhost:5000/x:v1``).
    ``tag`` with a repo that already names a tag or a digest, or with no repo, is a
    ``ValueError``; a repo with its own tag and no ``tag`` is sent as it is."""
    from .._models.sources import FromBody, FromImage, FromSrc

    query: builtins.list[tuple[str, str]] = []
    headers: tuple[tuple[str, str], ...] = ()
    streamed = False
    if isinstance(source, FromImage):
        query.append(("fromImage", check_image(source.name)))
        if source.repo:
            query.append(("repo", source.repo))
        if source.tag or tag:
            query.append(("tag", str(source.tag or tag)))
        headers = auth_header(auth if auth is not None else {})
    elif isinstance(source, (FromSrc, FromBody)):
        query.append(("fromSrc", source.url if isinstance(source, FromSrc) else "-"))
        if tag:
            # podman 4.3 ignores tag= on import; both engines take repo=name:tag.
            if not repo:
                raise ValueError(f"tag={tag!r} needs a repo to import into")
            query.append(("repo", with_tag(repo, tag)))
        elif repo:
            query.append(("repo", check_image(repo)))
        for c in changes or ():
            query.append(("changes", c))
        if message:
            query.append(("message", message))
        if isinstance(source, FromBody):
            headers = (("Content-Type", "application/x-tar"),)
            streamed = True
    else:
        raise ValueError(f"an image source is FromImage, FromSrc or FromBody, not {source!r}")
    if platform:
        query.append(("platform", platform))
    return _progress("/images/create", query, headers, streamed)


def pull(
    name: str,
    tag: str | None = None,
    platform: str | None = None,
    auth: Mapping[str, Any] | None = None,
) -> Request[None]:
    """Pull ``name`` (``name:tag`` or ``tag=``): progress ``JSONMessage``s."""
    from .._models.sources import FromImage

    return create(FromImage(name, None, tag), platform=platform, auth=auth)


def import_(
    repo: str | None = None,
    tag: str | None = None,
    changes: Sequence[str] | None = None,
    message: str | None = None,
    platform: str | None = None,
) -> Request[None]:
    """Import a root filesystem tar sent as the streamed body (``fromSrc=-``); ``repo`` and
    ``tag`` as in ``create`` (sent as ``repo=name:tag``)."""
    from .._models.sources import FromBody

    return create(
        FromBody(None), platform=platform, repo=repo, tag=tag, changes=changes, message=message
    )


def inspect(name: str) -> Request[dict[str, Any]]:
    """``GET /images/{name}/json`` as a dict."""
    return Request("GET", f"/images/{image_seg(name)}/json", parse=json_object)


def history(name: str) -> Request[builtins.list[dict[str, Any]]]:
    """``GET /images/{name}/history``: a list of dicts (Id, Created, CreatedBy, ...)."""
    return Request("GET", f"/images/{image_seg(name)}/history", parse=json_objects)


def tag(name: str, repo: str, tag: str | None = None) -> Request[None]:
    """``POST /images/{name}/tag``."""
    query = [("repo", check_image(repo))]
    if tag:
        query.append(("tag", tag))
    return Request(
        "POST", f"/images/{image_seg(name)}/tag", query=tuple(query), expect=Expect.EMPTY
    )


def rm(
    name: str, force: bool = False, noprune: bool = False
) -> Request[builtins.list[dict[str, Any]]]:
    """``DELETE /images/{name}``: a list of ``{"Untagged"|"Deleted": ...}``."""
    return Request(
        "DELETE",
        f"/images/{image_seg(name)}",
        query=(("force", flag(force)), ("noprune", flag(noprune))),
        parse=json_objects,
    )


def push(name: str, tag: str | None = None, auth: Mapping[str, Any] | None = None) -> Request[None]:
    """``POST /images/{name}/push``: progress ``JSONMessage``s."""
    query = [("tag", tag)] if tag else []
    return _progress(
        f"/images/{image_seg(name)}/push", query, auth_header(auth if auth is not None else {})
    )


def search(
    term: str, limit: int | None = None, filters: Mapping[str, Any] | None = None
) -> Request[builtins.list[dict[str, Any]]]:
    """``GET /images/search``: a list of dicts (name, description, star_count, ...)."""
    if not term:
        raise ValueError("search needs a term")
    query = [("term", term)]
    if non_negative(limit, "limit") is not None:
        query.append(("limit", str(limit)))
    query += filters_param(filters)
    return Request("GET", "/images/search", query=tuple(query), parse=json_objects)


def prune(filters: Mapping[str, Any] | None = None) -> Request[dict[str, Any]]:
    """``POST /images/prune``: ``{"ImagesDeleted": [...], "SpaceReclaimed": n}``."""
    return Request("POST", "/images/prune", query=tuple(filters_param(filters)), parse=json_object)


def save(names: str | Sequence[str], *, raw: bool = False) -> Request[None]:
    """``GET /images/get?names=``: a ``docker save`` tar as tar items (or ``RawData``)."""
    items = [names] if isinstance(names, str) else [*names]
    if not items:
        raise ValueError("save needs at least one image name")
    return Request(
        "GET",
        "/images/get",
        query=tuple(("names", check_image(n)) for n in items),
        expect=Expect.STREAM,
        content=Content.BYTES if raw else Content.TAR,
    )


def get(name: str, *, raw: bool = False) -> Request[None]:
    """``GET /images/{name}/get``: one image (all its tags for a repository name) as a
    ``docker save`` tar, as tar items (or ``RawData``); ``save`` takes several."""
    return Request(
        "GET",
        f"/images/{image_seg(name)}/get",
        expect=Expect.STREAM,
        content=Content.BYTES if raw else Content.TAR,
    )


def load(quiet: bool = False) -> Request[None]:
    """``POST /images/load``: send the tar with ``send_body``/``end_body``; progress back."""
    return _progress(
        "/images/load",
        [("quiet", flag(quiet))],
        (("Content-Type", "application/x-tar"),),
        streamed=True,
    )


def _json_param(name: str, value: Any) -> builtins.list[tuple[str, str]]:
    return [(name, json.dumps(value, separators=(",", ":")))]


def _str_map(value: Mapping[str, Any] | None, what: str, nulls: bool = False) -> dict[str, Any]:
    """A mapping of string keys to string values (None too, with ``nulls``), checked."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValueError(f"{what} is a mapping of strings, not {type(value).__name__}")
    out: dict[str, Any] = {}
    for key, val in value.items():
        if not isinstance(key, str) or not key:
            raise ValueError(f"{what} keys are non-empty strings, not {key!r}")
        if not (isinstance(val, str) or (nulls and val is None)):
            # (the value is not shown: build args may be secrets)
            raise ValueError(f"{what}[{key!r}] must be a string, not {type(val).__name__}")
        out[key] = val
    return out


def _text(value: str, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{what} is a non-empty string, not {value!r}")
    return value


def _strings(value: str | Sequence[str] | None, what: str) -> builtins.list[str]:
    if value is None:
        return []
    items = [value] if isinstance(value, str) else [*value]
    for item in items:
        if not isinstance(item, str) or not item:
            raise ValueError(f"{what} are non-empty strings, not {item!r}")
    return items


def _registry_config_header(
    auth_configs: Mapping[str, Mapping[str, Any]],
) -> tuple[tuple[str, str], ...]:
    """``X-Registry-Config``: base64url of the JSON map of registry to credentials (the
    credentials of every registry a build may pull from)."""
    import base64

    from .._credentials import RegistryAuth

    if not isinstance(auth_configs, Mapping):
        raise ValueError("auth_configs maps a registry to its credentials")
    configs = {str(k): dict(RegistryAuth.of(v)) for k, v in auth_configs.items()}
    raw = json.dumps(configs, separators=(",", ":")).encode()
    return (("X-Registry-Config", base64.urlsafe_b64encode(raw).decode("ascii")),)


def build(
    dockerfile: str | os.PathLike[str] | None = None,
    tags: str | Sequence[str] | None = None,
    *,
    buildargs: Mapping[str, str | None] | None = None,
    target: str | None = None,
    labels: Mapping[str, str] | None = None,
    pull: bool = False,
    nocache: bool = False,
    rm: bool = True,
    forcerm: bool = False,
    network_mode: str | None = None,
    platform: str | None = None,
    extra_hosts: Sequence[str] | Mapping[str, str] | None = None,
    cache_from: Sequence[str] | None = None,
    shm_size: int | None = None,
    quiet: bool = False,
    remote: str | None = None,
    memory: int | None = None,
    memswap: int | None = None,
    cpu_shares: int | None = None,
    cpuset_cpus: str | None = None,
    cpu_period: int | None = None,
    cpu_quota: int | None = None,
    squash: bool = False,
    outputs: str | Sequence[Mapping[str, Any]] | None = None,
    version: str | None = None,
    auth_configs: Mapping[str, Mapping[str, Any]] | None = None,
) -> Request[None]:
    """``POST /build``: build an image from a context tar sent as the streamed body
    (``send_body``/``end_body``); progress ``JSONMessage``s back (``stream`` lines,
    ``aux`` with the image id, an ``error`` for a failing step).

    ``dockerfile`` is a path inside the context; ``tags`` one ``name:tag`` or several;
    ``buildargs`` values reach ``ARG``s (None: the daemon's environment; never shown in
    a repr or a log line); ``labels`` go on the image; ``extra_hosts`` as ``host:ip``
    strings or a ``{host: ip}`` mapping; ``cache_from`` image names; ``shm_size`` in
    bytes (> 0); ``memory``/``memswap`` in bytes (``memswap=-1``: unlimited swap);
    ``outputs`` BuildKit's, as JSON text or a list of ``{"Type": ..., "Attrs": ...}``;
    ``version`` the builder (``"1"`` the classic one, the default; ``"2"`` BuildKit
    needs a session this client does not open).  ``auth_configs`` (registry to
    credentials) travels as ``X-Registry-Config``: the clients send the docker CLI's
    config's when it is None."""
    query: builtins.list[tuple[str, str]] = []
    if dockerfile is not None:
        query.append(("dockerfile", _text(os.fspath(dockerfile), "dockerfile")))
    query += [("t", check_image(t)) for t in _strings(tags, "tags")]
    if isinstance(extra_hosts, Mapping):
        hosts = [f"{host}:{ip}" for host, ip in _str_map(extra_hosts, "extra_hosts").items()]
    else:
        hosts = _strings(extra_hosts, "extra_hosts")
    query += [("extrahosts", h) for h in hosts]
    if remote is not None:
        query.append(("remote", _text(remote, "remote")))
    if quiet:
        query.append(("q", "true"))
    if nocache:
        query.append(("nocache", "true"))
    if cache_from is not None:
        query += _json_param(
            "cachefrom", [check_image(c) for c in _strings(cache_from, "cache_from")]
        )
    if pull:
        query.append(("pull", "true"))
    if not rm:
        query.append(("rm", "false"))
    if forcerm:
        query.append(("forcerm", "true"))
    for name, value in (
        ("memory", non_negative(memory, "memory")),
        ("memswap", memswap if memswap == -1 else non_negative(memswap, "memswap")),
        ("cpushares", non_negative(cpu_shares, "cpu_shares")),
    ):
        if value is not None:
            query.append((name, str(value)))
    if cpuset_cpus is not None:
        query.append(("cpusetcpus", _text(cpuset_cpus, "cpuset_cpus")))
    for name, value in (
        ("cpuperiod", non_negative(cpu_period, "cpu_period")),
        ("cpuquota", non_negative(cpu_quota, "cpu_quota")),
    ):
        if value is not None:
            query.append((name, str(value)))
    if buildargs is not None:
        query += _json_param("buildargs", _str_map(buildargs, "buildargs", nulls=True))
    if shm_size is not None:
        if not non_negative(shm_size, "shm_size"):
            raise ValueError("shm_size must be greater than 0")
        query.append(("shmsize", str(shm_size)))
    if squash:
        query.append(("squash", "true"))
    if labels is not None:
        query += _json_param("labels", _str_map(labels, "labels"))
    for name, text in (("networkmode", network_mode), ("platform", platform), ("target", target)):
        if text is not None:
            query.append((name, _text(text, name)))
    if outputs is not None:
        if not isinstance(outputs, str):
            outputs = json.dumps([dict(o) for o in outputs], separators=(",", ":"))
        query.append(("outputs", outputs))
    if version is not None:
        if version not in ("1", "2"):
            raise ValueError(f'version is "1" (the classic builder) or "2", not {version!r}')
        query.append(("version", version))
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "application/x-tar"),)
    if auth_configs is not None:
        headers += _registry_config_header(auth_configs)
    return Request(
        "POST",
        "/build",
        query=tuple(query),
        headers=headers,
        streamed_body=True,
        expect=Expect.STREAM,
        content=Content.JSONLINES,
    )


def build_prune(
    keep_storage: int | None = None,
    all: bool = False,
    filters: Mapping[str, Any] | None = None,
) -> Request[dict[str, Any]]:
    """``POST /build/prune``: the build cache pruned (``keep_storage`` bytes kept,
    ``all`` its every kind); ``{"CachesDeleted": [...], "SpaceReclaimed": n}``."""
    query: builtins.list[tuple[str, str]] = []
    if non_negative(keep_storage, "keep_storage") is not None:
        query.append(("keep-storage", str(keep_storage)))
    if all:
        query.append(("all", "true"))
    query += filters_param(filters)
    return Request("POST", "/build/prune", query=tuple(query), parse=json_object)
