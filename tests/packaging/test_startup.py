"""What the ``dockproto`` command loads to start, and what stands in for what it skips.

A CLI is paid for at every call: ``version`` and ``ps`` must not load an event loop,
TLS, ``subprocess``, ``threading``, the C stream core, nor the API areas and models they
do not use (the timings are in ``bench/cli.py``; here only what is imported).
"""

from __future__ import annotations

import os
import site
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import dockproto
import dockproto_sync
from dockproto_sync._backend import _Limiter

HEAVY = [
    "argparse",
    "urllib.parse",
    "dockproto._credentials",
    "dockproto_sync._argv",
    "trio",
    "asyncio",
    "ssl",
    "subprocess",
    "threading",
    "_cffi_backend",
    "dockproto._decode",
    "dockproto._native",
    "dockproto._tarevents",
    "dockproto._streamevents",
    "dockproto._models.containers",
    "dockproto._models.images",
    "dockproto._models.binds",
    "dockproto._models.sources",
    "dockproto.api.containers",
    "dockproto.api.images",
]


def test_the_command_starts_light() -> None:
    """Importing the command, and reading a common line, loads none of HEAVY.

    (Run with ``-S``, the packages and site-packages on the path: a development venv's
    ``.pth`` hooks, such as an editable install's finder, import urllib.parse and more
    before any of ours.)"""
    code = (
        "import sys, dockproto_sync.__main__ as m;"
        "m._fast_args(['-H', 'unix:///x.sock', 'ps', '-a']);"
        f"print(sorted(set({HEAVY!r}) & set(sys.modules)))"
    )
    roots = {str(Path(m.__file__).resolve().parent.parent) for m in (dockproto, dockproto_sync)}
    path = os.pathsep.join([*sorted(roots), *site.getsitepackages()])
    out = subprocess.run(
        [sys.executable, "-S", "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": path},
    )
    assert out.stdout.strip() == "[]"


FAST = [
    ["version"],
    ["images"],
    ["ps"],
    ["ps", "-a"],
    ["ps", "--all"],
    ["-H", "unix:///x.sock", "version"],
    ["--host", "tcp://h:2375", "ps", "-a"],
    ["--host=ssh://u@h", "images"],
    ["-H", "", "ps"],
]
SLOW = [  # left to argparse
    ["-Hunix:///x.sock", "ps"],
    ["-H", "a", "-H", "b", "ps"],
    ["ps", "-a", "-a"],
    ["ps", "--al"],
    ["--ho", "x", "version"],
    ["-H", "version"],
    ["version", "-h"],
    ["run", "--rm", "img", "sh"],
    ["logs", "-f", "c"],
]


@pytest.mark.parametrize("line", FAST, ids=" ".join)
def test_fast_lines_read_as_argparse_reads_them(line: list[str]) -> None:
    """What the command reads without argparse is what argparse reads."""
    from dockproto_sync.__main__ import _fast_args
    from dockproto_sync._argv import parse

    fast = _fast_args(line)
    assert fast is not None
    assert vars(fast) == vars(parse(line))


@pytest.mark.parametrize("line", SLOW, ids=" ".join)
def test_other_lines_go_to_argparse(line: list[str]) -> None:
    """Help, repeated or abbreviated options and the other commands are argparse's."""
    from dockproto_sync.__main__ import _fast_args

    assert _fast_args(line) is None


def test_limiter_bounds_and_hands_over() -> None:
    """At most ``size`` holders; a release wakes a waiter, which then holds the slot."""
    lim = _Limiter(2)
    assert lim.acquire(None) and lim.acquire(0)
    assert not lim.acquire(0)
    t0 = time.monotonic()
    assert not lim.acquire(0.05)
    assert time.monotonic() - t0 >= 0.04
    got: list[bool] = []
    waiter = threading.Thread(target=lambda: got.append(lim.acquire(5)))
    waiter.start()
    time.sleep(0.05)
    lim.release()  # handed to the waiter, not back to the pool
    waiter.join(5)
    assert got == [True]
    assert not lim.acquire(0)
    lim.release()
    lim.release()
    assert lim.acquire(0) and lim.acquire(0) and not lim.acquire(0)


def test_limiter_refuses_extra_releases() -> None:
    """Like ``threading.BoundedSemaphore``: more releases than acquires is an error."""
    lim = _Limiter(1)
    with pytest.raises(ValueError):
        lim.release()


def test_limiter_under_contention() -> None:
    """Many threads taking turns never exceed the bound, and all get through."""
    lim = _Limiter(3)
    held = [0]
    peak = [0]
    guard = threading.Lock()
    done: list[int] = []

    def work(i: int) -> None:
        for _ in range(50):
            assert lim.acquire(10)
            with guard:
                held[0] += 1
                peak[0] = max(peak[0], held[0])
            time.sleep(0)
            with guard:
                held[0] -= 1
            lim.release()
        done.append(i)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(done) == list(range(8))
    assert peak[0] <= 3 and held[0] == 0
    assert lim.acquire(0) and lim.acquire(0) and lim.acquire(0) and not lim.acquire(0)


def test_lazy_names_are_the_same_objects() -> None:
    """Every name ``dockproto`` and ``dockproto._models`` give lazily is the one object."""
    import dockproto
    from dockproto import _models, _streamevents, api
    from dockproto._models import binds, containers, exec, images, sources, swarm, system

    homes = [binds, containers, exec, images, sources, swarm, system]
    for name in _models.__all__:
        [home] = [m for m in homes if name in vars(m)]
        assert getattr(_models, name) is vars(home)[name] is getattr(dockproto, name)
    for name in ("TarMember", "TarData", "TarType", "EndOfArchive"):
        assert getattr(dockproto, name) is getattr(_streamevents, name)
        assert getattr(dockproto._events, name) is getattr(_streamevents, name)
    assert api.images is __import__("dockproto.api.images").api.images
    for name in dockproto.__all__:
        assert getattr(dockproto, name) is not None
