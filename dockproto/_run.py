"""``containers.run``'s policy, sans-IO: what ``docker run`` decides before and after
the calls it makes.

``plan_run`` checks everything it can before anything is sent (the image reference,
the command, the pull policy, every ``create`` parameter) and returns a ``RunPlan``:
the ``create`` request (attached to stdout and stderr, and to stdin when there is
input), the reference a pull would ask for, and what the run does afterwards.  The
client then does only the I/O: pull, create, attach, start, write stdin, read, wait,
remove, and, when the call is cancelled or times out, kill (and remove).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ._errors import NotFound
from ._request import Request

PULL_POLICIES = ("missing", "always", "never")
# The label that finds a ``remove=True`` run's container when the call was cancelled
# before the daemon's answer to ``create`` (and so its id) arrived.
RUN_LABEL = "dockproto.run"

# The distribution reference grammar (docker/distribution's ``reference`` package).
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_DOMAIN_PART = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = rf"(?:{_DOMAIN_PART}(?:\.{_DOMAIN_PART})*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
_REFERENCE = re.compile(
    rf"(?:(?P<domain>{_DOMAIN})/)?(?P<path>{_COMPONENT}(?:/{_COMPONENT})*)"
    rf"(?::(?P<tag>{_TAG}))?(?:@(?P<digest>{_DIGEST}))?"
)
_ID = re.compile(r"(?:sha256:)?[0-9a-f]{12,64}")


@dataclass(frozen=True, slots=True)
class ImageReference:
    """An image reference taken apart: ``domain`` (the registry, with its port),
    ``path``, ``tag`` and ``digest`` (None for what it does not carry)."""

    domain: str | None
    path: str
    tag: str | None
    digest: str | None

    @property
    def repository(self) -> str:
        """The reference without tag or digest: what ``fromImage`` names."""
        return f"{self.domain}/{self.path}" if self.domain else self.path

    @property
    def pull_tag(self) -> str:
        """What a pull asks for beside the repository: the digest, the tag, else
        ``latest`` (a pull with neither would fetch every tag)."""
        return self.digest or self.tag or "latest"


def parse_reference(ref: str) -> ImageReference:
    """``ref`` as the docker CLI reads it; a ``ValueError`` when it does not parse
    (upper case in the repository, a blank, an empty component, a bad tag...)."""
    if not isinstance(ref, str) or not ref:
        raise ValueError("an image reference is a non-empty string")
    match = _REFERENCE.fullmatch(ref)
    if match is None or len(match["path"]) + len(match["domain"] or "") > 255:
        upper = ref.lower() != ref and not any(c.isspace() for c in ref)
        hint = " (repository names are lower case)" if upper else ""
        raise ValueError(f"invalid image reference {ref!r}{hint}")
    domain, path = match["domain"], match["path"]
    if domain is not None and "." not in domain and ":" not in domain and domain != "localhost":
        # ``me/app``: a first component without a dot or a port is a Hub namespace.
        if re.fullmatch(_COMPONENT, domain) is None:
            raise ValueError(f"invalid image reference {ref!r} (repository names are lower case)")
        domain, path = None, f"{domain}/{path}"
    return ImageReference(domain, path, match["tag"], match["digest"])


@dataclass(frozen=True, slots=True)
class RunPlan:
    """What ``containers.run`` will do, decided before anything is sent."""

    image: str
    reference: ImageReference | None  # None: the image was named by its id (no pull)
    cmd: list[str] | None
    create: Request[str]
    tty: bool
    stdin: bytes | None
    detach: bool
    remove: bool
    pull: str
    check: bool
    label: tuple[str, str] | None  # (RUN_LABEL, token) when ``remove``

    def missing_image(self, exc: NotFound) -> NotFound:
        """The ``NotFound`` of a create whose image is missing, naming the image."""
        if self.image in exc.message:
            return exc
        return NotFound(exc.status_code, f"no such image {self.image!r}: {exc.message}")


def split_command(cmd: str | Sequence[str] | None) -> list[str] | None:
    """The command as a list: a string is split as a POSIX shell splits words (no
    expansion), as docker-py does; a list is kept."""
    if cmd is None:
        return None
    if isinstance(cmd, str):
        import shlex  # (only for a command given as one string)

        try:
            words = shlex.split(cmd)
        except ValueError as exc:
            raise ValueError(f"cannot split the command {cmd!r}: {exc}") from None
        if not words:
            raise ValueError("the command is empty")
        return words
    words = [*cmd]
    if not all(isinstance(w, str) for w in words):
        raise ValueError("the command is a string or a list of strings")
    return words


def plan_run(
    image: str,
    cmd: str | Sequence[str] | None,
    *,
    detach: bool,
    remove: bool,
    pull: str,
    stdin: bytes | None,
    check: bool,
    token: str,
    create: Mapping[str, Any],
) -> RunPlan:
    """Check a run's arguments and decide its requests (a ``ValueError`` before
    anything is sent).  ``token`` is a fresh random string: the label value that finds
    a ``remove=True`` container whose id never arrived."""
    from .api import containers

    if pull not in PULL_POLICIES:
        raise ValueError(f"pull is one of {', '.join(PULL_POLICIES)}, not {pull!r}")
    reference = None if _ID.fullmatch(image) else parse_reference(image)
    if reference is None and pull == "always":
        raise ValueError(f"pull='always' needs an image name, not the id {image!r}")
    if stdin is not None and not isinstance(stdin, (bytes, bytearray, memoryview)):
        raise ValueError("stdin is bytes (sent, then half-closed), or None")
    if stdin is not None and detach:
        raise ValueError("stdin needs detach=False (its output is read to the end)")
    for fixed in ("stdin", "stdout", "stderr", "open_stdin", "stdin_once", "auto_remove"):
        if fixed in create:
            raise ValueError(f"containers.run decides {fixed}= itself")
    words = split_command(cmd)
    params = dict(create)
    label = (RUN_LABEL, token) if remove else None
    if label is not None:
        params["labels"] = {**(params.get("labels") or {}), label[0]: label[1]}
    attach = not detach
    request = containers.create(
        image,
        words,
        stdin=stdin is not None,
        stdout=attach,
        stderr=attach,
        open_stdin=stdin is not None,
        stdin_once=stdin is not None,
        auto_remove=remove and detach,  # (attached, the run removes it after the wait)
        **params,
    )
    return RunPlan(
        image=image,
        reference=reference,
        cmd=words,
        create=request,
        tty=bool(params.get("tty")),
        stdin=None if stdin is None else bytes(stdin),
        detach=detach,
        remove=remove,
        pull=pull,
        check=check,
        label=label,
    )
