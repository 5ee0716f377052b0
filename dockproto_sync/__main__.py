"""The ``dockproto`` command: a small docker CLI on top of dockproto_sync (blocking).

dockproto version | ps [-a] | images | run [--rm] [-i] [-t] IMAGE CMD... |
          logs [-f] ID | exec ID CMD... | export ID [-o FILE] | import FILE [REPO[:TAG]] |
          load FILE | pull NAME[:TAG] | events [--since T] [--until T]

No event loop: one thread, and a second one only to pump stdin for ``run -i``.  Start-up
time matters for a command run once per call, so this imports what a command uses when
it uses it (``dockproto`` itself loads its C core and its API areas lazily).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import dockproto
from dockproto import DockerConnectionError, StreamKind

from ._backend import open_docker

if TYPE_CHECKING:
    from dockproto._drive.sync import Docker, DockerStream


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
    from dockproto._request import split_reference

    name, tag, digest = split_reference(ref)
    if digest is not None or tag is None:
        return ref, None
    return name, tag


def _pump_stdin(stream: DockerStream) -> None:
    """Copy our stdin to the container's until end of file, then half-close it.

    Runs in a daemon thread: a read blocked on a terminal never holds up the exit, and
    once the container's output has ended (the stream is closed) writes fail quietly.
    """
    fd = sys.stdin.fileno()
    try:
        while data := os.read(fd, 65536):
            stream.send_all(data)
        stream.send_eof()
    except (OSError, ValueError):
        pass  # the stream is closed: the container is gone, nothing left to feed


def _remove(docker: Docker, cid: str) -> None:
    """``rm -f`` the container with Ctrl-C held off, so a second one cannot cut it short."""
    import signal

    try:
        old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # (not the main thread: nothing to hold off)
        docker.containers.rm(cid, force=True)
        return
    try:
        docker.containers.rm(cid, force=True)
    finally:
        signal.signal(signal.SIGINT, old)


def _run_container(docker: Docker, args: argparse.Namespace) -> int:
    cid = docker.containers.create(
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
        with docker.containers.attach(
            cid, stream=True, stdin=args.interactive, tty=args.tty
        ) as stream:
            docker.containers.start(cid)
            if args.interactive:
                import threading

                threading.Thread(
                    target=_pump_stdin, args=(stream,), name="dockproto-stdin", daemon=True
                ).start()
            for chunk in stream:
                _write(chunk.stream, chunk.data)
        code: int = docker.containers.wait(cid)
        return code
    finally:
        if args.rm:
            _remove(docker, cid)


def _run(docker: Docker, args: argparse.Namespace) -> int:
    if args.cmd == "version":
        v = docker.version()
        print(f"Server: {v.version} (API {v.api_version}, {v.os}/{v.arch}, {v.go_version})")
        print(f"Client: dockproto {dockproto.__version__}, API {docker.negotiated_version()}")
        return 0
    if args.cmd == "ps":
        rows = docker.containers.list(all=args.all)
        lines = [f"{'CONTAINER ID':<14}{'IMAGE':<32}{'STATUS':<28}NAMES"]
        for c in rows:
            names = ",".join(n.lstrip("/") for n in c.names)
            lines.append(f"{c.id[:12]:<14}{c.image[:30]:<32}{c.status[:26]:<28}{names}")
        print("\n".join(lines))
        return 0
    if args.cmd == "images":
        lines = [f"{'IMAGE ID':<14}{'TAGS':<48}SIZE"]
        for i in docker.images.list():
            tags = ",".join(i.tags) or "<none>"
            lines.append(f"{i.id.split(':')[-1][:12]:<14}{tags[:46]:<48}{i.size}")
        print("\n".join(lines))
        return 0
    if args.cmd == "run":
        return _run_container(docker, args)
    if args.cmd == "logs":
        with docker.containers.logs(
            args.container, follow=args.follow, timestamps=args.timestamps, tail=args.tail
        ) as logs:
            for chunk in logs:
                _write(chunk.stream, chunk.data)
        return 0
    if args.cmd == "exec":
        eid = docker.exec.create(args.container, args.command, tty=args.tty)
        with docker.exec.start(eid, tty=args.tty) as stream:
            for chunk in stream:
                _write(chunk.stream, chunk.data)
        code: int = docker.exec.exit_code(eid)
        return code
    if args.cmd == "export":
        with docker.containers.export(args.container) as tar:
            out = open(args.output, "wb") if args.output else sys.stdout.buffer
            try:
                for data in tar.raw():
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
        with messages:
            for msg in messages:
                bar.show(msg)
        bar.done()
        return 0
    if args.cmd == "events":
        import json

        with docker.events(since=args.since, until=args.until) as events:
            for event in events:
                print(json.dumps(event), flush=True)
        return 0
    raise AssertionError(args.cmd)


COMMANDS = (
    "version",
    "ps",
    "images",
    "run",
    "logs",
    "exec",
    "export",
    "import",
    "load",
    "pull",
    "events",
)


class _Formatter(argparse.HelpFormatter):
    """argparse's, sized as it sizes itself but without importing shutil (which loads
    bz2 and lzma) for every ``add_argument``."""

    def __init__(self, prog: str) -> None:
        try:
            columns = int(os.environ.get("COLUMNS", ""))
        except ValueError:
            columns = 0
        if columns <= 0:
            try:
                columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
            except (AttributeError, ValueError, OSError):
                columns = 0
        super().__init__(prog, width=(columns or 80) - 2)


def _add_command(sub: Any, cmd: str) -> None:
    p = sub.add_parser(cmd, formatter_class=_Formatter)
    if cmd == "ps":
        p.add_argument("-a", "--all", action="store_true")
    elif cmd == "run":
        p.add_argument("--rm", action="store_true")
        p.add_argument("-i", "--interactive", action="store_true")
        p.add_argument("-t", "--tty", action="store_true")
        p.add_argument("--name")
        p.add_argument("--network", action="store_true", help="give the container a network")
        p.add_argument("image")
        p.add_argument("command", nargs=argparse.REMAINDER)
    elif cmd == "logs":
        p.add_argument("-f", "--follow", action="store_true")
        p.add_argument("-t", "--timestamps", action="store_true")
        p.add_argument("--tail")
        p.add_argument("container")
    elif cmd == "exec":
        p.add_argument("-t", "--tty", action="store_true")
        p.add_argument("container")
        p.add_argument("command", nargs=argparse.REMAINDER)
    elif cmd == "export":
        p.add_argument("-o", "--output")
        p.add_argument("container")
    elif cmd == "import":
        p.add_argument("file")
        p.add_argument("reference", nargs="?")
    elif cmd == "load":
        p.add_argument("file")
    elif cmd == "pull":
        p.add_argument("name")
    elif cmd == "events":
        p.add_argument("--since")
        p.add_argument("--until")


def _parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser; with ``only``, the sub-parser of that command alone
    (building all eleven is most of the cost of parsing one command line)."""
    p = argparse.ArgumentParser(
        prog="dockproto", description="A docker CLI over dockproto.", formatter_class=_Formatter
    )
    p.add_argument("-H", "--host", help="daemon address (default: DOCKER_HOST)")
    # (alone, the one sub-parser still shows every command in the usage line)
    every = None if only is None else "{" + ",".join(COMMANDS) + "}"
    sub = p.add_subparsers(dest="cmd", required=True, metavar=every)
    for cmd in COMMANDS if only is None else (only,):
        _add_command(sub, cmd)
    return p


def _command_of(argv: Sequence[str]) -> str | None:
    """The command named on the line, if it is one and nothing before it but ``-H``;
    else None (help, an error, an unknown word: the whole parser then answers)."""
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg in ("-H", "--host"):
            i += 2
        elif arg.startswith("--host=") or (arg.startswith("-H") and len(arg) > 2):
            i += 1
        elif arg.startswith("-"):
            return None
        else:
            return arg if arg in COMMANDS else None
    return None


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    args = _parser(_command_of(argv)).parse_args(argv)
    try:
        with open_docker(args.host) as docker:
            return _run(docker, args)
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
