"""The ``dockproto`` command: a small docker CLI on top of dockproto_sync (blocking).

dockproto version | ps [-a] | images | run [--rm] [-i] [-t] IMAGE CMD... |
          logs [-f] ID | exec ID CMD... | export ID [-o FILE] | import FILE [REPO[:TAG]] |
          load FILE | pull NAME[:TAG] | events [--since T] [--until T]
          | login [SERVER] -u USER [--password-stdin] | push [-a] NAME[:TAG]
          | context ls | context use NAME |
          node ls | service ls|create|ps|logs|scale|rm | swarm init|join|leave
          | build [-t TAG] [-f FILE] [--build-arg K=V] [--target T] [--force-rm] PATH

No event loop: one thread, and a second one only to pump stdin for ``run -i``.  Start-up
time matters for a command run once per call, so this imports what a command uses when
it uses it (``dockproto`` itself loads its C core and its API areas lazily).
"""

from __future__ import annotations

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


def _run_container(docker: Docker, args: Any) -> int:
    if not args.interactive:  # (``containers.run``: its pull, its clean-up when cut short)
        result = docker.containers.run(
            args.image,
            args.command or None,
            remove=args.rm,
            check=False,
            tty=args.tty,
            name=args.name,
            networking=args.network,
            progress=_Progress().show,
            output=lambda chunk: _write(chunk.stream, chunk.data),
        )
        return result.exit_code
    # -i: the terminal's stdin is pumped by a daemon thread, which a read blocked on the
    # terminal must not hold up at the container's exit (``run``'s writer would).
    cid = docker.containers.create(
        args.image,
        args.command or None,
        tty=args.tty,
        stdin=True,
        open_stdin=True,
        stdin_once=True,
        name=args.name,
        networking=args.network,
    )
    try:
        with docker.containers.attach(cid, stream=True, stdin=True, tty=args.tty) as stream:
            docker.containers.start(cid)
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


def _build(docker: Docker, args: Any) -> int:
    """``docker build``: the ``stream`` lines as they come on stdout, pulls' progress on
    stderr; a failing step prints the daemon's message and exits 1."""
    buildargs: dict[str, str | None] = {}
    for item in args.build_arg or ():
        key, eq, value = item.partition("=")
        # (a name alone takes its value from the environment, as the CLI has it; unset,
        # the Dockerfile's default)
        buildargs[key] = value if eq else os.environ.get(key)
    # -f is relative to the working directory, as the CLI reads it.
    dockerfile = os.path.abspath(args.file) if args.file else None
    try:
        stream = docker.images.build(
            args.path,
            dockerfile,
            args.tag,
            buildargs=buildargs or None,
            target=args.target,
            nocache=args.no_cache,
            forcerm=args.force_rm,
            pull=args.pull,
            quiet=args.quiet,
        )
    except ValueError as exc:
        print(f"dockproto: {exc}", file=sys.stderr)
        return 1
    bar = _Progress()
    try:
        with stream:
            for msg in stream:
                text = msg.value.get("stream") if isinstance(msg.value, dict) else None
                if isinstance(text, str):
                    sys.stdout.write(text)
                    sys.stdout.flush()
                else:
                    bar.show(msg)
    except dockproto.BuildError as exc:
        bar.done()
        print(f"dockproto: {exc.message.rstrip()}", file=sys.stderr)
        return 1
    bar.done()
    return 0


def _run(docker: Docker, args: Any) -> int:
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
        lines = [f"{'IMAGE ID':<14}{'TAG':<48}SIZE"]
        for i in docker.images.list():  # (a row per tag, as ``docker images``; never cut)
            for shown in i.tags or ["<none>"]:
                lines.append(f"{i.id.split(':')[-1][:12]:<14}{shown:<47} {i.size}")
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
    if args.cmd == "login":
        return _login(docker, args)
    if args.cmd == "push":
        return _push(docker, args)
    if args.cmd == "build":
        return _build(docker, args)
    if args.cmd == "events":
        import json

        with docker.events(since=args.since, until=args.until) as events:
            for event in events:
                print(json.dumps(event), flush=True)
        return 0
    if args.cmd in ("node", "service", "swarm"):
        from ._swarmcli import run

        return run(docker, args)
    raise AssertionError(args.cmd)


def _context(args: Any) -> int:
    """``context ls`` and ``context use NAME``, as the docker CLI shows and writes them
    (no daemon is asked)."""
    from dockproto._drive.hosts import current_context_name, list_contexts, use_context

    if args.context_cmd == "use":
        use_context(args.name)
        print(args.name)
        print(f'Current context is now "{args.name}"', file=sys.stderr)
        if os.environ.get("DOCKER_HOST"):
            print(
                "Warning: DOCKER_HOST environment variable overrides the active context. "
                f'To use "{args.name}", unset DOCKER_HOST.',
                file=sys.stderr,
            )
        return 0
    current = "default" if os.environ.get("DOCKER_HOST") else current_context_name()
    rows = [("NAME", "DESCRIPTION", "DOCKER ENDPOINT", "ERROR")]
    for ctx, name, error in list_contexts():
        mark = " *" if name == current else ""
        if ctx is None:
            rows.append((name + mark, "", "", error or ""))
        else:
            rows.append((name + mark, ctx.description, ctx.host, ""))
    if not any(row[3] for row in rows[1:]):  # (the ERROR column only when one failed)
        rows = [(*row[:3], "") for row in rows]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        cells = [f"{row[i]:<{widths[i] + 3}}" for i in range(3)]
        print(("".join(cells) + row[3]).rstrip())
    return 0


def _login(docker: Docker, args: Any) -> int:
    """``login [SERVER] -u USER --password-stdin``: check the credentials with the daemon
    (``POST /auth``), then store them as the docker CLI does: in the credential helper
    that config.json names for the server, else in its ``auths`` (base64 user:password)."""
    import json

    from dockproto import _credentials as creds
    from dockproto._drive.hosts import environ

    server = creds.login_server(args.server)
    if args.password_stdin:
        password = sys.stdin.read()
        password = password[:-1] if password.endswith("\n") else password
        password = password[:-1] if password.endswith("\r") else password
    elif sys.stdin.isatty():
        import getpass

        password = getpass.getpass("Password: ")
    else:
        print(
            "dockproto: login needs --password-stdin when stdin is not a terminal", file=sys.stderr
        )
        return 1
    if not password:
        print("dockproto: login needs a password", file=sys.stderr)
        return 1
    answer = docker.auth(args.username, password, server)
    token = str((answer or {}).get("IdentityToken") or "") or None
    path = creds.docker_config_path(environ())
    try:
        with open(path, "rb") as f:
            config = creds.parse_config(f.read(), path)
    except FileNotFoundError:
        config = {}
    helper = creds.login_helper(config, server, path)
    if helper is not None:
        import subprocess

        program = f"docker-credential-{helper}"
        data = creds.helper_store_input(server, args.username, password, token)
        try:
            done = subprocess.run([program, "store"], input=data, capture_output=True, check=False)
        except FileNotFoundError:
            raise dockproto.CredentialError(f"credential helper {program} is not on PATH") from None
        if done.returncode != 0:  # (what it printed may hold the secret: not shown)
            raise dockproto.CredentialError(f"{program} store failed ({done.returncode})")
    else:
        print(f"WARNING! Your password will be stored unencrypted in {path}.", file=sys.stderr)
    stored = creds.with_login(
        config, server, args.username, password, token, in_helper=helper is not None
    )
    _write_private(path, json.dumps(stored, indent="\t") + "\n")
    print("Login Succeeded")
    return 0


def _write_private(path: str, text: str) -> None:
    """Replace ``path`` by ``text`` at once (a new file beside it, renamed over it), as
    the docker CLI saves config.json: through a symbolic link, keeping the file's mode
    (a new one is its owner's only)."""
    import tempfile

    path = os.path.realpath(path)
    folder = os.path.dirname(path)
    os.makedirs(folder, mode=0o700, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".config.json.", dir=folder)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
            try:
                os.fchmod(f.fileno(), os.stat(path).st_mode & 0o7777)
            except FileNotFoundError:
                pass  # (mkstemp's 0600)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _push(docker: Docker, args: Any) -> int:
    """``push [-a] NAME[:TAG]`` with a progress display; the digest line goes to stdout.
    Without a tag, ``latest`` (every tag with ``-a``), as the docker CLI does."""
    name, tag = _split_ref(args.name)
    if args.all_tags:
        if tag is not None:
            print("dockproto: push -a takes a name without a tag", file=sys.stderr)
            return 1
    elif tag is None and "@" not in name:
        tag = "latest"
    bar = _Progress()
    digests: list[str] = []
    with docker.images.push(name, tag=tag) as messages:
        for msg in messages:
            bar.show(msg)
            status = msg.value.get("status") if isinstance(msg.value, dict) else None
            if isinstance(status, str) and "digest: sha256:" in status:
                digests.append(status)
    bar.done()
    for line in digests:
        print(line)
    return 0


def _fast_args(argv: Sequence[str]) -> Any:
    """The commonest lines, ``[-H HOST] version``, ``[-H HOST] ps [-a]`` and ``[-H HOST]
    images``, read without argparse: importing it and building even one sub-parser is
    ~5 ms of a command meant to start in well under 100.  None for any other line (help,
    errors, abbreviations, other commands): ``_argv.parse`` reads those, and reads these
    the same (tests/packaging/test_startup.py compares them)."""
    from types import SimpleNamespace

    rest = list(argv)
    host = None
    if rest and rest[0] in ("-H", "--host") and len(rest) > 1 and not rest[1].startswith("-"):
        host, rest = rest[1], rest[2:]
    elif rest and rest[0].startswith("--host="):
        host, rest = rest[0][len("--host=") :], rest[1:]
    if rest in (["version"], ["images"]):
        return SimpleNamespace(host=host, cmd=rest[0])
    if rest and rest[0] == "ps" and rest[1:] in ([], ["-a"], ["--all"]):
        return SimpleNamespace(host=host, cmd="ps", all=len(rest) == 2)
    return None


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    args = _fast_args(argv)
    if args is None:
        from ._argv import parse

        args = parse(argv)
    try:
        if args.cmd == "context":
            return _context(args)
        with open_docker(args.host) as docker:
            return _run(docker, args)
    except DockerConnectionError as exc:
        print(f"dockproto: {exc}", file=sys.stderr)
        return 125
    except dockproto.DockerError as exc:
        print(f"dockproto: Error response from daemon: {exc.message}", file=sys.stderr)
        return 125
    except dockproto.CredentialError as exc:
        print(f"dockproto: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except ValueError as exc:  # (a Docker context that does not exist, a bad address)
        print(f"dockproto: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
