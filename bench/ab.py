"""Interleaved A/B of one client on the replayed streams: this tree against another
checkout (an older commit), on one replay daemon, in the same minutes.  Both sides run
this tree's ``clients.py`` (the other checkout only supplies the library, on
``PYTHONPATH``): comparing harnesses would time their own set-up as well.

    git worktree add /tmp/old <commit>   # then copy dockproto/*.so into /tmp/old/dockproto/
    .venv/bin/python bench/ab.py /tmp/old [--client dockproto] [--rounds 6] [CASE ...]

Needs the recordings (``bench/run`` makes them in ``bench/.cache/full``).  Prints the
median and the minimum of each side's times per case.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

from bench import Replay  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("other", help="the other checkout's root")
    ap.add_argument("cases", nargs="*", default=["logs", "attach", "export"])
    ap.add_argument("--client", default="dockproto")
    ap.add_argument("--rounds", type=int, default=6)
    a = ap.parse_args()
    sock = "/tmp/dockproto-ab-replay.sock"
    replay = Replay(os.path.join(HERE, ".cache", "full"), sock)
    try:
        for case in a.cases:
            cases = replay.manifest["cases"]
            if case == "inspectmem":  # (as bench.py asks it: Content-Length framing)
                cid = "cl-" + cases["attach"]["container"]
                args = json.dumps({"host": f"unix://{sock}", "id": cid, "n": 1000, "warm": 100})
            else:
                args = json.dumps({"host": f"unix://{sock}", "id": cases[case]["container"]})
            times: dict[str, list[float]] = {"other": [], "this": []}
            for _ in range(a.rounds):
                for side, root in (("other", a.other), ("this", ROOT)):
                    # This tree's harness on both sides: only the library differs.
                    script = os.path.join(HERE, "clients.py")
                    out = subprocess.run(
                        [sys.executable, script, a.client, case, args],
                        capture_output=True, text=True, timeout=300, check=True,
                        env={**os.environ, "PYTHONPATH": root},
                    )  # fmt: skip
                    line = next(x for x in out.stdout.splitlines() if x.startswith("{"))
                    times[side].append(json.loads(line)["seconds"])
            for side, v in times.items():
                med, low = statistics.median(v), min(v)
                unit, k = ("µs", 1e6) if case == "inspectmem" else ("s", 1)
                print(f"{case:10} {side:5} median {med * k:.3f} {unit}  min {low * k:.3f} {unit}")
    finally:
        replay.proc.kill()


if __name__ == "__main__":
    main()
