"""Services: list, create, inspect, update (with its version; rollback), rm, logs.

A service's spec is built from keywords over a base (``_swarmspec``): none for a
create, the current spec for an update given the ``Service`` (from ``inspect``), or
``spec=`` (the daemon's ``ServiceSpec`` JSON) for fields no keyword names.

Registry credentials for the image travel in ``X-Registry-Auth`` (``auth``); the
clients read them from the docker CLI's config, as a pull does.  Without credentials
no header is sent: a node then uses the image it has (dockerd pins no digest for API
1.30 and later, and a node started with ``DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1``
pulls nothing it already holds).

Logs are those of every task on every node, merged by the daemon: multiplexed
(stdout and stderr apart) unless the service's spec has a TTY (then one raw stream),
as for a container; the clients learn the setting from the service's spec.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .._models.swarm import Service
from .._request import (
    Expect,
    Request,
    filters_param,
    json_body,
    json_object,
    json_objects,
    logs_request,
)
from ._swarmspec import object_id, service_path, service_spec, version_param
from .images import auth_header

if TYPE_CHECKING:
    from .._models.binds import Bind
    from .._models.swarm import ConfigRef, SecretRef


def list(
    filters: Mapping[str, Any] | None = None, status: bool = False
) -> Request[builtins.list[Service]]:
    """``GET /services`` as ``list[Service]`` (filters: id, label, mode, name); with
    ``status``, each gives its ``running_tasks`` and ``desired_tasks``."""
    query = filters_param(filters)
    if status:
        query.append(("status", "true"))
    return Request(
        "GET",
        "/services",
        query=tuple(query),
        parse=lambda v: [Service.from_json(s) for s in json_objects(v)],
    )


def create(
    image: str,
    command: Sequence[str] | None = None,
    *,
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
    spec: Mapping[str, Any] | None = None,
    auth: Mapping[str, Any] | None = None,
) -> Request[str]:
    """``POST /services/create``; the answer is the new service's id.

    ``command`` replaces the image's entrypoint (``ContainerSpec.Command``), ``args``
    its command (``Args``).  ``mode`` is ``replicated`` (the default; ``replicas``,
    default 1), ``global``, ``replicated-job`` or ``global-job``.  ``mounts`` take
    ``Vol``, ``Mount``, ``MountRO`` or the daemon's Mount dicts; ``networks`` names or
    dicts; ``ports`` ``80``, ``"8080:80/udp"`` or dicts (``published``, ``target``,
    ``protocol``, ``mode``), published in ``publish_mode`` (``ingress``, the default,
    or ``host``); ``secrets`` and ``configs`` ``SecretRef``/``ConfigRef``.
    ``restart_policy`` (``condition``, ``delay``, ``max_attempts``, ``window``),
    ``update_config`` and ``rollback_config`` (``parallelism``, ``delay``,
    ``failure_action``, ``monitor``, ``max_failure_ratio``, ``order``) take seconds for
    durations.  ``cpu_*`` are CPUs (``0.5``), ``memory_*`` bytes.  ``spec`` is a
    ``ServiceSpec`` the keywords are set on, for what they do not name.
    """
    if not isinstance(image, str) or not image:
        raise ValueError("image must be a non-empty string")
    body_spec = service_spec(
        spec,
        image=image,
        command=command,
        args=args,
        name=name,
        env=env,
        labels=labels,
        container_labels=container_labels,
        workdir=workdir,
        user=user,
        hostname=hostname,
        tty=tty,
        init=init,
        read_only=read_only,
        stop_signal=stop_signal,
        stop_grace_period=stop_grace_period,
        mounts=mounts,
        networks=networks,
        mode=mode,
        replicas=replicas,
        cpu_limit=cpu_limit,
        memory_limit=memory_limit,
        cpu_reservation=cpu_reservation,
        memory_reservation=memory_reservation,
        restart_policy=restart_policy,
        constraints=constraints,
        preferences=preferences,
        max_replicas_per_node=max_replicas_per_node,
        update_config=update_config,
        rollback_config=rollback_config,
        endpoint_mode=endpoint_mode,
        ports=ports,
        publish_mode=publish_mode,
        secrets=secrets,
        configs=configs,
        log_driver=log_driver,
        log_options=log_options,
    )
    body, headers = json_body(body_spec)
    return Request(
        "POST",
        "/services/create",
        body=body,
        headers=headers + auth_header(auth),
        parse=lambda v: str(json_object(v)["ID"]),
    )


def inspect(service: str | Service, insert_defaults: bool = False) -> Request[Service]:
    """``GET /services/{id}`` as a ``Service`` (``insert_defaults`` fills the spec's
    empty fields with the daemon's defaults)."""
    query = (("insertDefaults", "true"),) if insert_defaults else ()
    return Request(
        "GET",
        service_path(service),
        query=query,
        parse=lambda v: Service.from_json(json_object(v)),
    )


def update(
    service: str | Service,
    version: int | None = None,
    *,
    image: str | None = None,
    command: Sequence[str] | None = None,
    args: Sequence[str] | None = None,
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
    spec: Mapping[str, Any] | None = None,
    rollback: bool = False,
    registry_auth_from: str | None = None,
    auth: Mapping[str, Any] | None = None,
) -> Request[builtins.list[str]]:
    """``POST /services/{id}/update``; the answer is the daemon's warnings.

    The daemon replaces the whole spec: given a ``Service`` (from ``inspect``), its
    spec and version are the base and the keywords (as for ``create``) change what
    they name; given an id or a name, ``version`` and ``spec`` (the current ones) are
    needed.  ``force_update`` redeploys the tasks though nothing changed.  ``rollback``
    goes back to the previous spec (the daemon checks the one sent, then ignores it).
    A stale version is a ``Conflict`` (20.10 sends it as a 500).
    """
    base: Mapping[str, Any] | None
    if isinstance(service, Service):
        base = spec if spec is not None else service.spec
        version = service.version if version is None else version
    else:
        object_id(service, "service")
        base = spec
        if base is None:
            raise ValueError(
                "the daemon replaces a service's whole spec (and checks it on a rollback "
                "too): give the Service (from services.inspect), or spec= with its "
                "current spec"
            )
    query = [version_param(version, "services.update")]
    if registry_auth_from is not None:
        if registry_auth_from not in ("spec", "previous-spec"):
            raise ValueError(
                f"registry_auth_from is 'spec' or 'previous-spec', not {registry_auth_from!r}"
            )
        query.append(("registryAuthFrom", registry_auth_from))
    if rollback:
        query.append(("rollback", "previous"))
    body_spec = service_spec(
        base,
        image=image,
        command=command,
        args=args,
        env=env,
        labels=labels,
        container_labels=container_labels,
        workdir=workdir,
        user=user,
        hostname=hostname,
        tty=tty,
        init=init,
        read_only=read_only,
        stop_signal=stop_signal,
        stop_grace_period=stop_grace_period,
        mounts=mounts,
        networks=networks,
        mode=mode,
        replicas=replicas,
        cpu_limit=cpu_limit,
        memory_limit=memory_limit,
        cpu_reservation=cpu_reservation,
        memory_reservation=memory_reservation,
        restart_policy=restart_policy,
        constraints=constraints,
        preferences=preferences,
        max_replicas_per_node=max_replicas_per_node,
        update_config=update_config,
        rollback_config=rollback_config,
        endpoint_mode=endpoint_mode,
        ports=ports,
        publish_mode=publish_mode,
        secrets=secrets,
        configs=configs,
        log_driver=log_driver,
        log_options=log_options,
        force_update=force_update,
    )
    body, headers = json_body(body_spec)
    return Request(
        "POST",
        service_path(service, "/update"),
        query=tuple(query),
        body=body,
        headers=headers + auth_header(auth),
        parse=_warnings,
    )


def _warnings(value: Any) -> builtins.list[str]:
    found = json_object(value).get("Warnings") if value is not None else None
    return [str(w) for w in found] if isinstance(found, builtins.list) else []


def rm(service: str | Service) -> Request[None]:
    """``DELETE /services/{id}``."""
    return Request("DELETE", service_path(service), expect=Expect.EMPTY)


def logs(
    service: str | Service,
    stdout: bool = True,
    stderr: bool = True,
    follow: bool = False,
    since: int | float | None = None,
    timestamps: bool = False,
    tail: int | str | None = None,
    details: bool = False,
    *,
    tty: bool = False,
    frames: bool | None = None,
) -> Request[None]:
    """``GET /services/{id}/logs``: the logs of every task, a stream of ``StreamChunk``.

    ``tty`` is the service spec's TTY setting (then the log is one raw stream); with
    ``details`` each line begins with its node, service and task ids
    (``com.docker.swarm.node.id=...,...``); ``frames`` as for container logs.
    """
    return logs_request(
        service_path(service, "/logs"),
        stdout,
        stderr,
        follow,
        since,
        timestamps,
        tail,
        details=details,
        tty=tty,
        frames=frames,
    )


__all__ = ["create", "inspect", "list", "logs", "rm", "update"]
