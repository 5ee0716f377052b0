"""Image sources (the OCaml ``Image.source`` type): ``FromImage``, ``FromSrc``, ``FromBody``;
``ImageSource`` is any of them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class FromImage:
    """Pull ``name`` (optionally from ``repo``, at ``tag``)."""

    name: str
    repo: str | None = None
    tag: str | None = None


def from_image(name: str, repo: str | None = None, tag: str | None = None) -> FromImage:
    """The pull source, as OCaml's ``Image.from_image ?repo ?tag name``."""
    return FromImage(name, repo, tag)


@dataclass(frozen=True, slots=True)
class FromSrc:
    """Import the tarball the daemon fetches from ``url``."""

    url: str

    def __post_init__(self) -> None:
        if not self.url or self.url == "-":
            raise ValueError("FromSrc needs a URL; to send a body use FromBody")


@dataclass(frozen=True, slots=True)
class FromBody:
    """Import a tarball the client streams: bytes, a file path, or an async iterable."""

    data: Any


ImageSource = FromImage | FromSrc | FromBody
