"""The ``dockproto`` command: a small docker CLI on top of dockproto_trio.

dockproto version | ps [-a] | images | run [--rm] [-i] [-t] IMAGE CMD... |
          logs [-f] ID | exec ID CMD... | export ID [-o FILE] | import FILE [REPO[:TAG]] |
          pull NAME[:TAG] | events [--since T] [--until T]
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

import trio

import dockproto
from dockproto import DockerConnectionError, StreamKind
from dockproto._request import split_reference

from ._client import Docker, open_docker


def _write(stream: StreamKind, data: bytes) -> None:
    out = sys.stderr.buffer if stream == StreamKind.STDERR else sys.stdout.buffer
    out.write(data)
    out.flush()


class _Progress:
    """One line per layer id, redrawn in place on a terminal; plain lines otherwise."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()

    def show(self, msg: Any) -> None:
        v = msg.value if isinstance(msg, dockproto.JSONMessage) else msg
        if not isinstance(v, dict):
            return
        text = " ".join(str(v[k]) for k in ("id", "status", "stream") if v.get(k))
        detail = v.get("progressDetail") or {}
        cur, total = detail.get("current"), detail.get("total")
        if cur and total:
            width = 30
            done = int(width * min(cur, total) / total)
            text += f" [{'=' * done}{' ' * (width - done)}] {cur}/{total}"
        if self.tty:
            sys.stderr.write("\r\x1b[2K" + text.strip())
        elif text.strip() and not (cur and total):
            sys.stderr.write(text.strip() + "\n")
        sys.stderr.flush()

    def done(self) -> None:
        if self.tty:
            sys.stderr.write("\n")


def _split_ref(ref: str) -> tuple[str, str | None]:
    name, tag, digest = split_reference(ref)
    if digest is not None or tag is None:
        return ref, None
    return name, tag


async def _run(docker: Docker, args: argparse.Namespace) -> int:
    if args.cmd == "version":
        v = await docker.version()
        print(f"Server: {v.version} (API {v.api_version}, {v.os}/{v.arch}, {v.go_version})")
        print(f"Client: dockproto {dockproto.__version__}, API {await docker.negotiated_version()}")
        return 0
    if args.cmd == "ps":
        rows = await docker.containers.list(all=args.all)
        print(f"{'CONTAINER ID':<14}{'IMAGE':<32}{'STATUS':<28}NAMES")
        for c in rows:
            names = ",".join(n.lstrip("/") for n in c.names)
            print(f"{c.id[:12]:<14}{c.image[:30]:<32}{c.status[:26]:<28}{names}")
        return 0
    if args.cmd == "images":
        print(f"{'IMAGE ID':<14}{'TAGS':<48}SIZE")
        for i in await docker.images.list():
            tags = ",".join(i.tags) or "<none>"
            print(f"{i.id.split(':')[-1][:12]:<14}{tags[:46]:<48}{i.size}")
        return 0
    if args.cmd == "run":
        cid = await docker.containers.create(
            args.image,
            args.command or None,
            tty=args.tty,
            stdin=args.interactive,
            open_stdin=args.interactive,
            stdin_once=args.interactive,
            name=args.name,
            networking=args.network,
        )
        try:
            async with docker.containers.attach(
                cid, stream=True, stdin=args.interactive, tty=args.tty
            ) as stream:
                await docker.containers.start(cid)
                async with trio.open_nursery() as nursery:
                    if args.interactive:

                        async def pump_stdin() -> None:
                            fd = sys.stdin.fileno()
                            while data := await trio.to_thread.run_sync(os.read, fd, 65536):
                                await stream.send_all(data)
                            await stream.send_eof()

                        nursery.start_soon(pump_stdin)
                    async for chunk in stream:
                        _write(chunk.stream, chunk.data)
                    nursery.cancel_scope.cancel()
            return await docker.containers.wait(cid)
        finally:
            if args.rm:
                with trio.CancelScope(shield=True):
                    await docker.containers.rm(cid, force=True)
    if args.cmd == "logs":
        async for chunk in docker.containers.logs(
            args.container, follow=args.follow, timestamps=args.timestamps, tail=args.tail
        ):
            _write(chunk.stream, chunk.data)
        return 0
    if args.cmd == "exec":
        eid = await docker.exec.create(args.container, args.command, tty=args.tty)
        async with docker.exec.start(eid, tty=args.tty) as stream:
            async for chunk in stream:
                _write(chunk.stream, chunk.data)
        return await docker.exec.exit_code(eid)
    if args.cmd == "export":
        async with docker.containers.export(args.container) as tar:
            out = open(args.output, "wb") if args.output else sys.stdout.buffer
            try:
                async for data in tar.raw():
                    out.write(data)
            finally:
                if args.output:
                    out.close()
        return 0
    if args.cmd in ("import", "pull", "load"):
        bar = _Progress()
        if args.cmd == "import":
            messages = docker.images.import_(args.file, repo=args.reference)
        elif args.cmd == "load":
            messages = docker.images.load(args.file)
        else:
            name, tag = _split_ref(args.name)
            messages = docker.images.pull(name, tag=tag)
        async for msg in messages:
            bar.show(msg)
        bar.done()
        return 0
    if args.cmd == "events":
        import json

        async for event in docker.events(since=args.since, until=args.until):
            print(json.dumps(event), flush=True)
        return 0
    raise AssertionError(args.cmd)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="dockproto", description="A docker CLI over dockproto.")
    p.add_argument("-H", "--host", help="daemon address (default: DOCKER_HOST)")
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("version")
    ps = sub.add_parser("ps")
    ps.add_argument("-a", "--all", action="store_true")
    sub.add_parser("images")
    run = sub.add_parser("run")
    run.add_argument("--rm", action="store_true")
    run.add_argument("-i", "--interactive", action="store_true")
    run.add_argument("-t", "--tty", action="store_true")
    run.add_argument("--name")
    run.add_argument("--network", action="store_true", help="give the container a network")
    run.add_argument("image")
    run.add_argument("command", nargs=argparse.REMAINDER)
    logs = sub.add_parser("logs")
    logs.add_argument("-f", "--follow", action="store_true")
    logs.add_argument("-t", "--timestamps", action="store_true")
    logs.add_argument("--tail")
    logs.add_argument("container")
    ex = sub.add_parser("exec")
    ex.add_argument("-t", "--tty", action="store_true")
    ex.add_argument("container")
    ex.add_argument("command", nargs=argparse.REMAINDER)
    export = sub.add_parser("export")
    export.add_argument("-o", "--output")
    export.add_argument("container")
    imp = sub.add_parser("import")
    imp.add_argument("file")
    imp.add_argument("reference", nargs="?")
    load = sub.add_parser("load")
    load.add_argument("file")
    pull = sub.add_parser("pull")
    pull.add_argument("name")
    ev = sub.add_parser("events")
    ev.add_argument("--since")
    ev.add_argument("--until")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)

    async def go() -> int:
        async with open_docker(args.host) as docker:
            return await _run(docker, args)

    try:
        return trio.run(go)
    except DockerConnectionError as exc:
        print(f"dockproto: {exc}", file=sys.stderr)
        return 125
    except dockproto.DockerError as exc:
        print(f"dockproto: Error response from daemon: {exc.message}", file=sys.stderr)
        return 125
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
