"""Container results: ``ContainerSummary`` (with its ``Port`` list) and ``Change``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import _slot_setters, _str_dict, _str_list


@dataclass(frozen=True, slots=True)
class Port:
    """A port of a container summary: private port, public port (0 if unpublished), type."""

    priv: int
    pub: int
    typ: str
    ip: str = ""

    @classmethod
    def from_json(cls, j: dict[str, Any]) -> Port:
        port = _new(cls)
        v = j.get("PrivatePort")
        _set_priv(port, v if v.__class__ is int else int(v or 0))
        v = j.get("PublicPort")
        _set_pub(port, v if v.__class__ is int else int(v or 0))
        v = j.get("Type")
        _set_typ(port, v if v.__class__ is str and v else str(v or "tcp"))
        v = j.get("IP")
        _set_ip(port, v if v.__class__ is str else str(v or ""))
        if cls is not Port:  # (a subclass gets its own __init__, as it always did)
            return cls(port.priv, port.pub, port.typ, port.ip)
        return port


# Ports and summaries are built slot by slot (see ``_slot_setters``); a value already of
# its type is kept as it is (``str(s)`` would only give ``s`` back).
_new = object.__new__
_set_priv, _set_pub, _set_typ, _set_ip = _slot_setters(Port, "priv", "pub", "typ", "ip")


@dataclass(frozen=True, slots=True)
class ContainerSummary:
    """One row of ``GET /containers/json``.

    Its fields are read from ``raw`` (most on first use): treat ``raw`` as read-only."""

    id: str
    names: list[str]
    image: str
    command: str
    created: float
    status: str
    ports: list[Port]
    size_rw: int | None
    size_root_fs: int | None
    state: str
    labels: dict[str, str]
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, j: dict[str, Any], *, size: bool = False) -> ContainerSummary:
        c = _new(cls)
        _set_raw(c, j)
        created, labels = j.get("Created"), j.get("Labels")
        if (
            cls is ContainerSummary
            and not size
            and (not created or created.__class__ is int or created.__class__ is float)
            and (not labels or labels.__class__ is dict)
        ):
            # What is left for later cannot fail: these values come out of str(),
            # float() of a number, the copy of a list or a dict.  What may fail is
            # made now, in the order it always was.
            v = j["Id"]
            _set_id(c, v if v.__class__ is str else str(v))
            v = j.get("Ports")
            if v:  # (else left for later: no ports)
                _set_ports(c, [Port.from_json(p) for p in v])
            return c
        get = j.get
        v = j["Id"]
        _set_id(c, v if v.__class__ is str else str(v))
        _set_names(c, _str_list(get("Names")))
        v = get("Image")
        _set_image(c, v if v.__class__ is str else str(v or ""))
        v = get("Command")
        _set_command(c, v if v.__class__ is str else str(v or ""))
        _set_created(c, float(get("Created") or 0))
        v = get("Status")
        _set_status(c, v if v.__class__ is str else str(v or ""))
        v = get("Ports")
        _set_ports(c, [Port.from_json(p) for p in v] if v else [])
        _set_size_rw(c, int(get("SizeRw") or 0) if size else None)
        _set_size_root_fs(c, int(get("SizeRootFs") or 0) if size else None)
        v = get("State")
        _set_state(c, v if v.__class__ is str else str(v or ""))
        _set_labels(c, _str_dict(get("Labels")))
        if cls is not ContainerSummary:  # (a subclass gets its own __init__)
            return cls(**{name: getattr(c, name) for name in _SUMMARY_FIELDS})
        return c

    if not TYPE_CHECKING:  # (to a type checker, a summary has its fields and no more)

        def __getattr__(self, name: str) -> Any:
            """A field left for later by ``from_json``, made on first use.

            A list gives thousands of rows, and most programs read a few fields of a
            few of them: all but the id (and the ports, when there are some) are made
            from ``raw`` when one of them is first read (a set slot is found before
            this is asked).
            """
            if name not in _DEFERRED:
                raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
            _fill(self)
            return object.__getattribute__(self, name)


def _fill(c: ContainerSummary) -> None:
    """The fields ``from_json`` left for later, from ``raw`` (nothing here can fail)."""
    get = c.raw.get
    if not get("Ports"):  # (a summary's ports, when it has some, are made at once)
        _set_ports(c, [])
    _set_size_rw(c, None)  # (a summary with sizes is made whole at once)
    _set_size_root_fs(c, None)
    _set_names(c, _str_list(get("Names")))
    v = get("Image")
    _set_image(c, v if v.__class__ is str else str(v or ""))
    v = get("Command")
    _set_command(c, v if v.__class__ is str else str(v or ""))
    _set_created(c, float(get("Created") or 0))
    v = get("Status")
    _set_status(c, v if v.__class__ is str else str(v or ""))
    v = get("State")
    _set_state(c, v if v.__class__ is str else str(v or ""))
    _set_labels(c, _str_dict(get("Labels")))


_SUMMARY_FIELDS = (
    "id",
    "names",
    "image",
    "command",
    "created",
    "status",
    "ports",
    "size_rw",
    "size_root_fs",
    "state",
    "labels",
    "raw",
)
(
    _set_id,
    _set_names,
    _set_image,
    _set_command,
    _set_created,
    _set_status,
    _set_ports,
    _set_size_rw,
    _set_size_root_fs,
    _set_state,
    _set_labels,
    _set_raw,
) = _slot_setters(ContainerSummary, *_SUMMARY_FIELDS)
_DEFERRED = frozenset(_SUMMARY_FIELDS) - {"id", "raw"}


@dataclass(frozen=True, slots=True)
class RunResult:
    """What ``containers.run`` returns (attached): the exit code and each stream's
    bytes (with a TTY, all output is in ``stdout``)."""

    exit_code: int
    stdout: bytes
    stderr: bytes


_CHANGE_KINDS = {0: "modified", 1: "added", 2: "deleted"}


@dataclass(frozen=True, slots=True)
class Change:
    """A filesystem change of a container: ``kind`` is "modified", "added" or "deleted"."""

    path: str
    kind: str

    @classmethod
    def from_json(cls, j: dict[str, Any]) -> Change:
        return cls(path=str(j["Path"]), kind=_CHANGE_KINDS.get(int(j["Kind"]), str(j["Kind"])))
