"""Wall time of the ``dockproto`` command against the docker CLI, one process per call.

    python bench/cli.py [-H HOST] [-n RUNS] [--docker PATH] [--site | --command PATH]

Runs ``dockproto version``, ``dockproto ps``, ``docker version`` and ``docker ps``
(and, to split start-up from the calls, ``python -c pass`` and the command's imports
alone) ``RUNS`` times each against the same daemon, taking turns within each round, and
prints the median and the minimum wall time of each, the median CPU time (user+sys, less
disturbed by other work on a shared machine) and the ratio of the medians against
docker's.  The goal (not a test: timings belong here) is under 100 ms per ``dockproto``
call.

By default ``dockproto`` is this source tree run as ``python -m dockproto_sync`` with
this interpreter, with ``-S`` and this interpreter's site-packages on ``PYTHONPATH``: a
development venv's ``.pth`` hooks (setuptools' editable-install finder imports pathlib,
re and more at every start, 30-50 ms here) are not what an installed wheel pays;
``--site`` keeps them.  ``--command PATH`` times an installed ``dockproto`` script
instead (``pip install`` a wheel into a fresh venv: the figure users get), with its
venv's interpreter for the other rows.  Either way ``PYTHONDONTWRITEBYTECODE`` is dropped
from the environment, so that, as in an installed package, the modules' bytecode is
cached after the warm-up round.  HOST defaults to ``DOCKPROTO_DOCKER_HOST``, then
``DOCKER_HOST``; the docker CLI to ``docker`` on PATH (its rows are left out without
one).
"""

from __future__ import annotations

import argparse
import os
import shutil
import site
import statistics
import subprocess
import sys
import time


def _one(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """One run: (wall seconds, CPU seconds of the child); a failure stops the bench."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read() if proc.stderr else b""
    if proc.stderr:
        proc.stderr.close()
    if proc.returncode != 0:
        sys.exit(f"bench: {' '.join(argv)} failed ({proc.returncode}): {err.decode()[-500:]}")
    return wall, usage.ru_utime + usage.ru_stime


def _interpreter(script: str) -> str:
    """The interpreter a console script runs with (its ``#!`` line)."""
    with open(script, "rb") as f:
        first = f.readline().decode().strip()
    if not first.startswith("#!"):
        sys.exit(f"bench: {script} is not a Python console script")
    return first[2:].split()[0]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("-H", "--host", default=None)
    p.add_argument("-n", "--runs", type=int, default=20)
    p.add_argument("--docker", default=shutil.which("docker"))
    how = p.add_mutually_exclusive_group()
    how.add_argument("--site", action="store_true", help="keep site's .pth hooks (no -S)")
    how.add_argument("--command", help="an installed dockproto script to time instead")
    args = p.parse_args()
    host = args.host or os.environ.get("DOCKPROTO_DOCKER_HOST") or os.environ.get("DOCKER_HOST")
    if not host:
        sys.exit("bench: no daemon: pass -H or set DOCKPROTO_DOCKER_HOST")

    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if args.command:
        env.pop("PYTHONPATH", None)
        py = [_interpreter(args.command)]
        dockproto = [args.command]
        what = f"{args.command} (installed)"
    else:
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        paths = [root, env.get("PYTHONPATH", "")]
        py = [sys.executable]
        if not args.site:
            py.append("-S")
            paths += site.getsitepackages()
        env["PYTHONPATH"] = os.pathsep.join(filter(None, paths))
        dockproto = [*py, "-m", "dockproto_sync"]
        what = f"python{'' if args.site else ' -S'} -m dockproto_sync from {root}"
    cases: dict[str, list[str]] = {
        "python -c pass": [*py, "-c", "pass"],
        "dockproto imports": [*py, "-c", "import dockproto_sync.__main__"],
        "dockproto version": [*dockproto, "-H", host, "version"],
        "dockproto ps": [*dockproto, "-H", host, "ps"],
    }
    if args.docker:
        cases["docker version"] = [args.docker, "-H", host, "version"]
        cases["docker ps"] = [args.docker, "-H", host, "ps"]
    if os.geteuid() == 0:  # less disturbed by other work on a shared machine
        try:
            os.setpriority(os.PRIO_PROCESS, 0, -15)
        except OSError:
            pass

    for argv in cases.values():  # warm-up: bytecode caches, the daemon's own caches
        _one(argv, env)
        _one(argv, env)
    walls: dict[str, list[float]] = {name: [] for name in cases}
    cpus: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.runs):
        for name, argv in cases.items():
            wall, cpu = _one(argv, env)
            walls[name].append(wall)
            cpus[name].append(cpu)

    print(f"{args.runs} runs each against {host}; dockproto: {what}; times in ms")
    print(f"{'command':<20}{'median':>8}{'min':>8}{'cpu':>8}  vs docker (median)")
    for name in cases:
        med = statistics.median(walls[name]) * 1000
        low = min(walls[name]) * 1000
        cpu = statistics.median(cpus[name]) * 1000
        ratio = ""
        verb = name.split()[-1]
        ref = walls.get(f"docker {verb}")
        if name.startswith("dockproto ") and ref and verb in ("version", "ps"):
            ratio = f"{med / (statistics.median(ref) * 1000):.2f}x"
        print(f"{name:<20}{med:8.1f}{low:8.1f}{cpu:8.1f}  {ratio}")


if __name__ == "__main__":
    main()
