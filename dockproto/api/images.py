"""Images: list, pull/import (``create``), inspect, history, tag, rm, push, search,
prune, save and get (a streamed tar) and load (a streamed upload).

Progress answers (pull, push, import, load) are JSON lines: ``JSONMessage`` events, an
error among them is ``JSONMessage.error``.  Registry credentials travel in the
``X-Registry-Auth`` header as base64url JSON; reading them from ``~/.docker/config.json``
is I/O and belongs to the adapter.
"""

from __future__ import annotations

import builtins
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
