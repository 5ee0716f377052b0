"""What the ``dockproto`` command loads to start, and what stands in for what it skips.

A CLI is paid for at every call: ``version`` and ``ps`` must not load an event loop,
TLS, ``subprocess``, ``threading``, the C stream core, nor the API areas and models they
do not use (the timings are in ``bench/cli.py``; here only what is imported).
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from dockproto_sync._backend import _Limiter

HEAVY = [
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
    """Importing the command loads none of HEAVY."""
    code = f"import sys, dockproto_sync.__main__;print(sorted(set({HEAVY!r}) & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


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
    from dockproto._models import binds, containers, exec, images, sources, system

    homes = [binds, containers, exec, images, sources, system]
    for name in _models.__all__:
        [home] = [m for m in homes if name in vars(m)]
        assert getattr(_models, name) is vars(home)[name] is getattr(dockproto, name)
    for name in ("TarMember", "TarData", "TarType", "EndOfArchive"):
        assert getattr(dockproto, name) is getattr(_streamevents, name)
        assert getattr(dockproto._events, name) is getattr(_streamevents, name)
    assert api.images is __import__("dockproto.api.images").api.images
    for name in dockproto.__all__:
        assert getattr(dockproto, name) is not None
