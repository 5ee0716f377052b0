"""The ``dockproto`` command line, read with argparse (``__main__`` reads the commonest
lines itself and loads this only for the others)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

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
    "login",
    "push",
    "node",
    "service",
    "swarm",
    "context",
    "build",
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
    elif cmd == "login":
        p.add_argument("server", nargs="?", help="the registry (default: Docker Hub)")
        p.add_argument("-u", "--username", required=True)
        p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    elif cmd == "push":
        p.add_argument("-a", "--all-tags", action="store_true", help="push every tag of NAME")
        p.add_argument("name")
    elif cmd in ("node", "service", "swarm"):
        from ._swarmcli import add_arguments

        add_arguments(cmd, p, _Formatter)
    elif cmd == "context":
        ctx = p.add_subparsers(dest="context_cmd", required=True, metavar="{ls,use}")
        ctx.add_parser("ls", aliases=["list"], help="list the Docker contexts")
        use = ctx.add_parser("use", help="make a context the current one (config.json)")
        use.add_argument("name")
    elif cmd == "build":
        p.add_argument("-t", "--tag", action="append", help="name:tag (repeatable)")
        p.add_argument("-f", "--file", help="the Dockerfile (default: PATH/Dockerfile)")
        p.add_argument("--build-arg", action="append", metavar="K=V", help="a build arg")
        p.add_argument("--target", help="the stage to build")
        p.add_argument("--no-cache", action="store_true")
        p.add_argument("--force-rm", action="store_true", help="remove failed containers too")
        p.add_argument("--pull", action="store_true", help="pull the base images first")
        p.add_argument("-q", "--quiet", action="store_true", help="print the image id only")
        p.add_argument("path", help="the context directory, or a tar file")


def _parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser; with ``only``, the sub-parser of that command alone
    (building all of them is most of the cost of parsing one command line)."""
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


def parse(argv: Sequence[str]) -> argparse.Namespace:
    """``argv`` read as the whole parser reads it (exits 2 on an error, 0 after help)."""
    return _parser(_command_of(argv)).parse_args(argv)
