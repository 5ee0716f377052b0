"""The Swarm commands of the ``dockproto`` command line:

    dockproto node ls
    dockproto service ls | create [opts] IMAGE [ARG...] | ps SERVICE | logs [-f] SERVICE
                        | scale SERVICE=N... | rm SERVICE...
    dockproto swarm init [opts] | join --token T [opts] HOST:PORT | leave [-f]

As the docker CLI: a service's ``ARG...`` replace the image's command (``Args``), and
``create`` and ``scale`` wait until the service has converged unless ``-d`` (a task that
fails ends the wait with its message; ``--timeout`` bounds it).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

import dockproto

if TYPE_CHECKING:
    from dockproto._drive.sync import Docker

COMMANDS = ("node", "service", "swarm")


def add_arguments(cmd: str, parser: argparse.ArgumentParser, formatter: Any) -> None:
    """The sub-commands of ``cmd`` (one of ``COMMANDS``) on its parser."""
    sub = parser.add_subparsers(dest="sub", required=True)
    if cmd == "node":
        sub.add_parser("ls", formatter_class=formatter)
    elif cmd == "service":
        sub.add_parser("ls", formatter_class=formatter)
        p = sub.add_parser("create", formatter_class=formatter)
        p.add_argument("--name")
        p.add_argument("--replicas", type=int)
        p.add_argument("--mode", choices=["replicated", "global"])
        p.add_argument("-e", "--env", action="append", default=[])
        p.add_argument("-l", "--label", action="append", default=[])
        p.add_argument("--constraint", action="append", default=[])
        p.add_argument("-p", "--publish", action="append", default=[], help="PUB:TARGET[/PROTO]")
        p.add_argument("--publish-mode", choices=["ingress", "host"])
        p.add_argument("--endpoint-mode", choices=["vip", "dnsrr"])
        p.add_argument("--secret", action="append", default=[], help="a secret's name or id")
        p.add_argument("-t", "--tty", action="store_true")
        p.add_argument("-d", "--detach", action="store_true", help="do not wait for the tasks")
        p.add_argument("--timeout", type=float, help="seconds to wait for the tasks")
        p.add_argument("image")
        p.add_argument("args", nargs=argparse.REMAINDER)
        p = sub.add_parser("ps", formatter_class=formatter)
        p.add_argument("service")
        p = sub.add_parser("logs", formatter_class=formatter)
        p.add_argument("-f", "--follow", action="store_true")
        p.add_argument("-t", "--timestamps", action="store_true")
        p.add_argument("--details", action="store_true")
        p.add_argument("--tail")
        p.add_argument("service")
        p = sub.add_parser("scale", formatter_class=formatter)
        p.add_argument("-d", "--detach", action="store_true", help="do not wait for the tasks")
        p.add_argument("--timeout", type=float, help="seconds to wait for the tasks")
        p.add_argument("scales", nargs="+", metavar="SERVICE=REPLICAS")
        p = sub.add_parser("rm", formatter_class=formatter)
        p.add_argument("services", nargs="+")
    else:
        p = sub.add_parser("init", formatter_class=formatter)
        p.add_argument("--advertise-addr")
        p.add_argument("--listen-addr", default="0.0.0.0:2377")
        p.add_argument("--data-path-addr")
        p.add_argument("--default-addr-pool", action="append")
        p.add_argument("--force-new-cluster", action="store_true")
        p.add_argument("--autolock", action="store_true")
        p = sub.add_parser("join", formatter_class=formatter)
        p.add_argument("--token", required=True)
        p.add_argument("--advertise-addr")
        p.add_argument("--listen-addr", default="0.0.0.0:2377")
        p.add_argument("--data-path-addr")
        p.add_argument("remote", metavar="HOST:PORT")
        p = sub.add_parser("leave", formatter_class=formatter)
        p.add_argument("-f", "--force", action="store_true")


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) + 3 for i in range(len(header) - 1)]
    lines = []
    for row in [header, *rows]:
        cells = [row[i].ljust(width) for i, width in enumerate(widths)]
        lines.append("".join(cells) + row[-1])
    return "\n".join(lines)


def run(docker: Docker, args: Any) -> int:
    """Run a Swarm command; its exit status."""
    if args.cmd == "node":
        return _node_ls(docker)
    if args.cmd == "swarm":
        return _swarm(docker, args)
    return _SERVICE[args.sub](docker, args)


def _node_ls(docker: Docker) -> int:
    me = (docker.info().get("Swarm") or {}).get("NodeID")
    rows = []
    for n in sorted(docker.nodes.list(), key=lambda n: n.hostname):
        manager = n.raw.get("ManagerStatus") or {}
        status = "Leader" if n.leader else str(manager.get("Reachability") or "").title()
        node_id = n.id + (" *" if n.id == me else "")
        rows.append([node_id, n.hostname, n.state.title(), n.availability.title(), status])
    print(_table(["ID", "HOSTNAME", "STATUS", "AVAILABILITY", "MANAGER STATUS"], rows))
    return 0


def _service_ls(docker: Docker, args: Any) -> int:
    rows = []
    for s in sorted(docker.services.list(status=True), key=lambda s: s.name):
        replicas = f"{s.running_tasks or 0}/{s.desired_tasks or 0}"
        rows.append([s.id[:12], s.name, s.mode, replicas, s.image])
    print(_table(["ID", "NAME", "MODE", "REPLICAS", "IMAGE"], rows))
    return 0


def _wait(docker: Docker, service: str, timeout: float | None, label: str | None = None) -> int:
    def show(verdict: dockproto.Convergence) -> None:
        print(f"{label or service}: {verdict.message}", file=sys.stderr, flush=True)

    try:
        docker.services.wait_converged(service, progress=show, timeout=timeout)
    except dockproto.ServiceError as exc:
        print(f"dockproto: {exc}", file=sys.stderr)
        return 1
    except TimeoutError as exc:
        print(f"dockproto: {exc}", file=sys.stderr)
        return 1
    return 0


def _service_create(docker: Docker, args: Any) -> int:
    secrets = []
    for name in args.secret:
        found = docker.secrets.inspect(name)
        secrets.append(dockproto.SecretRef(str(found["ID"]), str(found["Spec"]["Name"])))
    sid = docker.services.create(
        args.image,
        args=args.args or None,
        name=args.name,
        replicas=args.replicas,
        mode=args.mode,
        env=args.env or None,
        labels=dict(label.partition("=")[::2] for label in args.label) or None,
        constraints=args.constraint or None,
        ports=args.publish or None,
        publish_mode=args.publish_mode,
        endpoint_mode=args.endpoint_mode,
        secrets=secrets or None,
        tty=args.tty or None,
    )
    print(sid, flush=True)
    return 0 if args.detach else _wait(docker, sid, args.timeout, args.name)


def _service_ps(docker: Docker, args: Any) -> int:
    service = docker.services.inspect(args.service)
    hosts = {n.id: n.hostname for n in docker.nodes.list()}
    tasks = docker.tasks.list({"service": service.id})
    rows = []
    for t in sorted(tasks, key=lambda t: (t.slot or 0, t.node_id, t.created_at), reverse=False):
        name = f"{service.name}.{t.slot if t.slot is not None else t.node_id}"
        rows.append(
            [
                t.id[:12],
                name,
                hosts.get(t.node_id, t.node_id[:12]),
                t.desired_state,
                t.state,
                t.error,
            ]
        )
    print(_table(["ID", "NAME", "NODE", "DESIRED STATE", "CURRENT STATE", "ERROR"], rows))
    return 0


def _service_logs(docker: Docker, args: Any) -> int:
    out, err = sys.stdout.buffer, sys.stderr.buffer
    with docker.services.logs(
        args.service,
        follow=args.follow,
        timestamps=args.timestamps,
        tail=args.tail,
        details=args.details,
    ) as logs:
        for chunk in logs:
            stream = err if chunk.stream == dockproto.StreamKind.STDERR else out
            stream.write(chunk.data)
            stream.flush()
    return 0


def _service_scale(docker: Docker, args: Any) -> int:
    wanted = []
    for item in args.scales:
        name, eq, count = item.partition("=")
        if not eq or not count.isdigit():
            print(f"dockproto: {item!r} is not SERVICE=REPLICAS", file=sys.stderr)
            return 2
        wanted.append((name, int(count)))
    for name, count in wanted:
        docker.services.scale(name, count)
        print(f"{name} scaled to {count}", flush=True)
    if args.detach:
        return 0
    return max(_wait(docker, name, args.timeout) for name, _ in wanted)


def _service_rm(docker: Docker, args: Any) -> int:
    status = 0
    for name in args.services:
        try:
            docker.services.rm(name)
            print(name)
        except dockproto.NotFound as exc:
            print(f"dockproto: {exc.message}", file=sys.stderr)
            status = 1
    return status


_SERVICE = {
    "ls": _service_ls,
    "create": _service_create,
    "ps": _service_ps,
    "logs": _service_logs,
    "scale": _service_scale,
    "rm": _service_rm,
}


def _swarm(docker: Docker, args: Any) -> int:
    if args.sub == "init":
        node = docker.swarm.init(
            args.advertise_addr,
            args.listen_addr,
            data_path_addr=args.data_path_addr,
            default_addr_pool=args.default_addr_pool,
            force_new_cluster=args.force_new_cluster,
            autolock=args.autolock,
        )
        print(f"Swarm initialized: current node ({node}) is now a manager.")
        addr = (docker.info().get("Swarm") or {}).get("NodeAddr") or "<this node>"
        port = args.listen_addr.rpartition(":")[2] or "2377"
        token = docker.swarm.inspect().worker_token
        print("To add a worker to this swarm, run the following command:")
        print(f"    dockproto swarm join --token {token} {addr}:{port}")
        return 0
    if args.sub == "join":
        docker.swarm.join(
            [args.remote],
            args.token,
            args.listen_addr,
            args.advertise_addr,
            args.data_path_addr,
        )
        print("This node joined a swarm.")
        return 0
    docker.swarm.leave(force=args.force)
    print("Node left the swarm.")
    return 0
