"""What the Swarm builders share: object versions, durations, base64 data, and the
service spec that ``services.create`` and ``services.update`` build from keywords.

A service spec (``ServiceSpec``) is built over a base: nothing for a create, the
service's current spec for an update (the daemon replaces the whole spec, so what an
update leaves out is reset).  Each keyword that is not None sets its own field of the
base, leaving the rest as it is; ``spec=`` gives the base itself, as the daemon's JSON,
for the fields no keyword names.  Durations are seconds (float), sent as nanoseconds.
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .._request import check_image, check_name, non_negative, seg

if TYPE_CHECKING:
    from .._models.binds import Bind
    from .._models.swarm import ConfigRef, SecretRef


def object_seg(value: str, what: str) -> str:
    """A Swarm object's id or name as one path segment."""
    return seg(value, what)


def version_param(version: Any, what: str) -> tuple[str, str]:
    """``("version", "N")``: the object's version, which every update must send."""
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise ValueError(
            f"{what} needs the object's version (Version.Index, a non-negative int), "
            f"not {version!r}: read it with inspect"
        )
    return ("version", str(version))


def nanoseconds(seconds: Any, what: str) -> int:
    """A duration in seconds (int or float) as the daemon's nanoseconds."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
        raise ValueError(f"{what} is a duration in seconds (>= 0), not {seconds!r}")
    return round(seconds * 1_000_000_000)


def data_field(data: Any, what: str) -> str:
    """``Data``: bytes (or text, as UTF-8) as standard base64."""
    if isinstance(data, str):
        data = data.encode()
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ValueError(f"{what} data is bytes or str, not {type(data).__name__}")
    return base64.b64encode(bytes(data)).decode("ascii")


def str_map(value: Mapping[str, Any] | None, what: str) -> dict[str, str] | None:
    """Labels and options: a mapping of strings to strings."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ValueError(f"{what} is a mapping of strings, not {value!r}")
    out = {}
    for k, v in value.items():
        if not isinstance(k, str) or not isinstance(v, str):
            raise ValueError(f"{what} maps strings to strings, not {k!r}: {v!r}")
        out[k] = v
    return out


def driver(name: str | None, options: Mapping[str, str] | None, what: str) -> dict[str, Any]:
    """A ``Driver`` object (``{"Name": ..., "Options": {...}}``)."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"{what} names a driver (a non-empty string), not {name!r}")
    out: dict[str, Any] = {"Name": name}
    opts = str_map(options, f"{what} options")
    if opts:
        out["Options"] = opts
    return out


def _strings(value: Any, what: str) -> list[str]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise ValueError(f"{what} is a list of strings, not {value!r}")
    for item in value:
        if not isinstance(item, str):
            raise ValueError(f"{what} is a list of strings, not {value!r}")
    return [*value]


def _env(env: Sequence[str] | Mapping[str, str]) -> list[str]:
    if isinstance(env, Mapping):
        return [f"{k}={v}" for k, v in env.items()]
    return _strings(env, "env")


# -- update and rollback configs, restart policy: snake-case keys, seconds --------------

_UPDATE_KEYS = {
    "parallelism": ("Parallelism", "count"),
    "delay": ("Delay", "duration"),
    "failure_action": ("FailureAction", "str"),
    "monitor": ("Monitor", "duration"),
    "max_failure_ratio": ("MaxFailureRatio", "ratio"),
    "order": ("Order", "str"),
}
_RESTART_KEYS = {
    "condition": ("Condition", "str"),
    "delay": ("Delay", "duration"),
    "max_attempts": ("MaxAttempts", "count"),
    "window": ("Window", "duration"),
}
_CHOICES = {
    "FailureAction": ("continue", "pause", "rollback"),
    "Order": ("stop-first", "start-first"),
    "Condition": ("none", "on-failure", "any"),
}


def _config(
    value: Mapping[str, Any], keys: dict[str, tuple[str, str]], what: str
) -> dict[str, Any]:
    """A config from snake-case keys (durations in seconds); the daemon's own names
    (``Parallelism``...) pass through as they are."""
    if not isinstance(value, Mapping):
        raise ValueError(f"{what} is a mapping, not {value!r}")
    out: dict[str, Any] = {}
    api_names = {name for name, _ in keys.values()}
    for key, v in value.items():
        if key in api_names:
            out[key] = v
            continue
        if key not in keys:
            raise ValueError(f"{what} has no key {key!r} (it takes {', '.join(keys)})")
        name, kind = keys[key]
        if kind == "duration":
            v = nanoseconds(v, f"{what}[{key!r}]")
        elif kind == "count":
            non_negative(v, f"{what}[{key!r}]")
        elif kind == "ratio":
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 1:
                raise ValueError(f"{what}[{key!r}] is a fraction from 0 to 1, not {v!r}")
        elif name in _CHOICES and v not in _CHOICES[name]:
            raise ValueError(f"{what}[{key!r}] is one of {_CHOICES[name]}, not {v!r}")
        out[name] = v
    return out


# -- mounts, networks, ports, references ------------------------------------------------


def _mount(m: Any) -> dict[str, Any]:
    from .._models.binds import Mount, MountRO, Vol

    if isinstance(m, Vol):
        return {"Type": "volume", "Target": m.container_path}
    if isinstance(m, (Mount, MountRO)):
        import os

        out: dict[str, Any] = {
            "Type": "bind",
            "Source": os.path.abspath(m.host_path),
            "Target": m.container_path,
        }
        if isinstance(m, MountRO):
            out["ReadOnly"] = True
        return out
    if isinstance(m, Mapping):
        return dict(m)
    raise ValueError(f"a mount is Vol, Mount, MountRO or a Mount object (a dict), not {m!r}")


def _network(n: Any) -> dict[str, Any]:
    if isinstance(n, str):
        check_name(n, "network id or name")
        return {"Target": n}
    if isinstance(n, Mapping) and n.get("Target"):
        return dict(n)
    raise ValueError(f"a network is a name or id, or a dict with its Target, not {n!r}")


_PROTOCOLS = ("tcp", "udp", "sctp")
_PORT_KEYS = {
    "published": "PublishedPort",
    "target": "TargetPort",
    "protocol": "Protocol",
    "mode": "PublishMode",
    "name": "Name",
}


def _port_number(value: Any, what: str) -> int:
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 65535:
        raise ValueError(f"{what} is a port number (0 to 65535), not {value!r}")
    return value


def _port(p: Any, publish_mode: str | None) -> dict[str, Any]:
    """``80`` (published as itself), ``"8080:80"``, ``"8080:80/udp"``, or a dict with
    ``published``, ``target``, ``protocol``, ``mode`` (``ingress`` or ``host``)."""
    out: dict[str, Any]
    if isinstance(p, Mapping):
        out = {}
        for key, v in p.items():
            name = _PORT_KEYS.get(key, str(key))
            if name not in _PORT_KEYS.values():
                raise ValueError(f"a port has no key {key!r} (it takes {', '.join(_PORT_KEYS)})")
            out[name] = v
        if "TargetPort" not in out:
            raise ValueError(f"a port needs its target: {dict(p)!r}")
        out["TargetPort"] = _port_number(out["TargetPort"], "target")
        if "PublishedPort" in out:
            out["PublishedPort"] = _port_number(out["PublishedPort"], "published")
    elif isinstance(p, (int, str)) and not isinstance(p, bool):
        text, _, proto = str(p).partition("/")
        published, colon, target = text.partition(":")
        if not colon:
            target = published
        out = {
            "Protocol": proto or "tcp",
            "TargetPort": _port_number(target, "target"),
            "PublishedPort": _port_number(published, "published"),
        }
    else:
        raise ValueError(f"a port is 80, '8080:80[/udp]' or a dict, not {p!r}")
    out.setdefault("Protocol", "tcp")
    if out["Protocol"] not in _PROTOCOLS:
        raise ValueError(f"a port's protocol is one of {_PROTOCOLS}, not {out['Protocol']!r}")
    if publish_mode is not None:
        out.setdefault("PublishMode", publish_mode)
    if out.get("PublishMode", "ingress") not in ("ingress", "host"):
        raise ValueError(f"a port's mode is 'ingress' or 'host', not {out['PublishMode']!r}")
    return out


def _ref(r: Any, kind: str) -> dict[str, Any]:
    from .._models.swarm import ConfigRef, SecretRef

    cls = SecretRef if kind == "secret" else ConfigRef
    if isinstance(r, cls):
        return r.to_json()
    id_key = "SecretID" if kind == "secret" else "ConfigID"
    if isinstance(r, Mapping) and r.get(id_key):
        return dict(r)
    raise ValueError(
        f"a {kind} reference is {cls.__name__}({kind}_id, {kind}_name, ...) or a dict "
        f"with its {id_key}, not {r!r} (the id comes from {kind}s.create or {kind}s.inspect)"
    )


# -- the service spec ---------------------------------------------------------------------

_MODE_KEYS = {
    "replicated": "Replicated",
    "global": "Global",
    "replicated-job": "ReplicatedJob",
    "global-job": "GlobalJob",
}


def _at(spec: dict[str, Any], *path: str) -> dict[str, Any]:
    """``spec[path[0]][path[1]]...``, made (as ``{}``) where missing."""
    node = spec
    for key in path:
        child = node.get(key)
        if not isinstance(child, dict):
            child = node[key] = {}
        node = child
    return node


def service_spec(
    base: Mapping[str, Any] | None,
    *,
    image: str | None = None,
    command: Sequence[str] | None = None,
    args: Sequence[str] | None = None,
    name: str | None = None,
    env: Sequence[str] | Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
    container_labels: Mapping[str, str] | None = None,
    workdir: str | None = None,
    user: str | None = None,
    hostname: str | None = None,
    tty: bool | None = None,
    init: bool | None = None,
    read_only: bool | None = None,
    stop_signal: str | None = None,
    stop_grace_period: float | None = None,
    mounts: Sequence[Bind | Mapping[str, Any]] | None = None,
    networks: Sequence[str | Mapping[str, Any]] | None = None,
    mode: str | None = None,
    replicas: int | None = None,
    cpu_limit: float | None = None,
    memory_limit: int | None = None,
    cpu_reservation: float | None = None,
    memory_reservation: int | None = None,
    restart_policy: Mapping[str, Any] | None = None,
    constraints: Sequence[str] | None = None,
    preferences: Sequence[str] | None = None,
    max_replicas_per_node: int | None = None,
    update_config: Mapping[str, Any] | None = None,
    rollback_config: Mapping[str, Any] | None = None,
    endpoint_mode: str | None = None,
    ports: Sequence[int | str | Mapping[str, Any]] | None = None,
    publish_mode: str | None = None,
    secrets: Sequence[SecretRef | Mapping[str, Any]] | None = None,
    configs: Sequence[ConfigRef | Mapping[str, Any]] | None = None,
    log_driver: str | None = None,
    log_options: Mapping[str, str] | None = None,
    force_update: bool = False,
) -> dict[str, Any]:
    """``base`` (copied) with the fields the keywords name set."""
    if base is not None and not isinstance(base, Mapping):
        raise ValueError(f"spec is the daemon's ServiceSpec, a mapping, not {base!r}")
    spec: dict[str, Any] = copy.deepcopy(dict(base)) if base else {}
    task = _at(spec, "TaskTemplate")
    container = _at(task, "ContainerSpec")
    if image is not None:
        container["Image"] = check_image(image)
    if name is not None:
        check_name(name, "service name")
        spec["Name"] = name
    for key, value, what in (("Command", command, "command"), ("Args", args, "args")):
        if value is not None:
            container[key] = _strings(value, what)
    simple = {
        "Dir": workdir,
        "User": user,
        "Hostname": hostname,
        "TTY": tty,
        "Init": init,
        "ReadOnly": read_only,
        "StopSignal": stop_signal,
    }
    container.update({k: v for k, v in simple.items() if v is not None})
    if env is not None:
        container["Env"] = _env(env)
    if labels is not None:
        spec["Labels"] = str_map(labels, "labels")
    if container_labels is not None:
        container["Labels"] = str_map(container_labels, "container_labels")
    if stop_grace_period is not None:
        container["StopGracePeriod"] = nanoseconds(stop_grace_period, "stop_grace_period")
    if mounts is not None:
        container["Mounts"] = [_mount(m) for m in mounts]
    if secrets is not None:
        container["Secrets"] = [_ref(r, "secret") for r in secrets]
    if configs is not None:
        container["Configs"] = [_ref(r, "config") for r in configs]
    if networks is not None:
        task["Networks"] = [_network(n) for n in networks]
        spec.pop("Networks", None)  # (deprecated place: the task template's wins)
    _mode(spec, mode, replicas)
    resources: tuple[tuple[str, float | None, int | None, str], ...] = (
        ("Limits", cpu_limit, memory_limit, "limit"),
        ("Reservations", cpu_reservation, memory_reservation, "reservation"),
    )
    for key, cpu, memory, what in resources:
        if cpu is not None:
            nanos = nanoseconds(cpu, f"cpu_{what}")  # (CPUs as NanoCPUs: the same scale)
            _at(task, "Resources", key)["NanoCPUs"] = nanos
        if memory is not None:
            non_negative(memory, f"memory_{what}")
            _at(task, "Resources", key)["MemoryBytes"] = memory
    if restart_policy is not None:
        task["RestartPolicy"] = _config(restart_policy, _RESTART_KEYS, "restart_policy")
    if constraints is not None:
        _at(task, "Placement")["Constraints"] = _strings(constraints, "constraints")
    if preferences is not None:
        _at(task, "Placement")["Preferences"] = [
            {"Spread": {"SpreadDescriptor": p}} for p in _strings(preferences, "preferences")
        ]
    if max_replicas_per_node is not None:
        non_negative(max_replicas_per_node, "max_replicas_per_node")
        _at(task, "Placement")["MaxReplicas"] = max_replicas_per_node
    if update_config is not None:
        spec["UpdateConfig"] = _config(update_config, _UPDATE_KEYS, "update_config")
    if rollback_config is not None:
        spec["RollbackConfig"] = _config(rollback_config, _UPDATE_KEYS, "rollback_config")
    if endpoint_mode is not None:
        if endpoint_mode not in ("vip", "dnsrr"):
            raise ValueError(f"endpoint_mode is 'vip' or 'dnsrr', not {endpoint_mode!r}")
        _at(spec, "EndpointSpec")["Mode"] = endpoint_mode
    if publish_mode is not None and publish_mode not in ("ingress", "host"):
        raise ValueError(f"publish_mode is 'ingress' or 'host', not {publish_mode!r}")
    if ports is not None:
        _at(spec, "EndpointSpec")["Ports"] = [_port(p, publish_mode) for p in ports]
    if log_driver is not None or log_options is not None:
        log = _at(task, "LogDriver")
        if log_driver is not None:
            log["Name"] = log_driver
        if log_options is not None:
            log["Options"] = str_map(log_options, "log_options")
    if force_update:
        task["ForceUpdate"] = int(task.get("ForceUpdate") or 0) + 1
    return spec


def _mode(spec: dict[str, Any], mode: str | None, replicas: int | None) -> None:
    if mode is not None and mode not in _MODE_KEYS:
        raise ValueError(f"mode is one of {', '.join(_MODE_KEYS)}, not {mode!r}")
    if replicas is not None:
        non_negative(replicas, "replicas")
    current = spec.get("Mode") if isinstance(spec.get("Mode"), dict) else {}
    assert isinstance(current, dict)
    key = _MODE_KEYS[mode] if mode is not None else next(iter(current), "Replicated")
    if mode is not None and key not in current:
        current = {key: {}}
    body = current.get(key)
    if not isinstance(body, dict):
        body = {}
    if replicas is not None:
        if key == "Replicated":
            body["Replicas"] = replicas
        elif key == "ReplicatedJob":
            body["TotalCompletions"] = replicas
        else:
            raise ValueError(f"replicas goes with a replicated service, not a {mode or key} one")
    elif key == "Replicated" and mode is not None and "Replicas" not in body:
        body["Replicas"] = 1
    if mode is not None or replicas is not None or "Mode" in spec:
        spec["Mode"] = {key: body}


def service_path(service: Any, suffix: str = "") -> str:
    """``/services/{id}`` (of a name, an id, or a ``Service``)."""
    return f"/services/{object_seg(object_id(service, 'service'), 'service id or name')}{suffix}"


def object_id(obj: Any, what: str) -> str:
    """The id of a Swarm object given as its id or name, or as its model."""
    if isinstance(obj, str):
        return obj
    found = getattr(obj, "id", None)
    if isinstance(found, str) and found:
        return found
    raise ValueError(f"a {what} is given by its id or name, or as the model, not {obj!r}")


def update_spec(
    obj: str | Mapping[str, Any],
    version: int | None,
    spec: Mapping[str, Any] | None,
    what: str,
    *,
    keep_data: bool = True,
) -> tuple[dict[str, Any], int | None]:
    """The base spec and version of a secret's or config's update: from its inspect
    dict when given one (``Spec``, ``Version.Index``), else ``spec`` (needed: the daemon
    refuses a spec whose name differs from the object's).  A secret's data is never
    sent again (``keep_data=False``: the daemon refuses any); a config's must be sent
    unchanged."""
    if isinstance(obj, Mapping):
        base = dict(spec if spec is not None else obj.get("Spec") or {})
        if version is None:
            found = (obj.get("Version") or {}).get("Index")
            version = found if isinstance(found, int) else None
    elif spec is None:
        raise ValueError(
            f"the daemon wants the {what}'s whole spec back: give its inspect dict, "
            "or spec= with its current spec"
        )
    else:
        base = dict(spec)
    if not keep_data:
        base.pop("Data", None)
    return base, version


def object_id_of(value: Mapping[str, Any], what: str) -> str:
    """The id of an object given as its inspect answer (a dict with ``ID``)."""
    found = value.get("ID") if isinstance(value, Mapping) else None
    return object_id(found, what) if isinstance(found, str) else object_id(value, what)


def object_name(name: Any, what: str) -> str:
    if not isinstance(name, str) or not name or any(c.isspace() or c == "/" for c in name):
        raise ValueError(f"a {what} name is a non-empty string without blanks or '/', not {name!r}")
    return name
