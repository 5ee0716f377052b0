"""Profile one of dockproto's clients on one replay case: where does its time go?

    bench/.venv/bin/python bench/profile_case.py CASE [--client CLIENT] [--quick]
        [--py-spy] [--runs N]

CLIENT is ``dockproto`` (dockproto_trio, the default), ``dockproto-asyncio``,
``dockproto-uvloop`` or ``dockproto-sync``; CASE a replayed stream or ``inspectmem``
(the small request, asked ``n`` times a run).  Starts the replay daemon on the
recordings (``bench/.cache/<full|quick>/``), runs the client of ``clients.py`` once to
warm up and then N times under cProfile
(or py-spy, sampling with native frames, which also sees the C core and the kernel
calls), and prints the functions that take the most time in those N runs, by their own
time and by time including callees.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import pstats
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from bench import PROJECT_PY, Replay  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument(
        "case",
        choices=["logs", "attach", "export", "exportraw", "events", "inspectmem", "logs1g",
                 "attach1g"],
    )  # fmt: skip
    ap.add_argument("--client", default="dockproto", choices=[
        "dockproto", "dockproto-asyncio", "dockproto-uvloop", "dockproto-sync"])  # fmt: skip
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--py-spy", action="store_true")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    cache = os.path.join(HERE, ".cache", "quick" if args.quick else "full")
    replay = Replay(cache, f"/tmp/dockproto-profile-{os.getpid()}.sock", args.quick)
    try:
        client_args = json.dumps(replay.args(args.case))
        # One warm-up run (lazy imports, first connections), then the profiled runs: the
        # profile is of the steady state the benchmark times, not of start-up.
        run = "clients.RUNNERS[" + repr(args.client) + "]"
        driver = (
            f"import json, sys, time; sys.path.append({HERE!r}); import clients\n"
            f"a = json.loads({client_args!r})\n"
            f"{run}({args.case!r}, a)\n"
            "def go():\n"
            f"    for _ in range({args.runs}): "
            f"print({run}({args.case!r}, a)['seconds'])\n"
        )
        if args.py_spy:
            spy = os.path.join(HERE, ".venv", "bin", "py-spy")
            out = tempfile.mktemp(suffix=".txt")
            subprocess.run(
                [spy, "record", "--native", "--rate", "2000", "--format", "raw", "-o", out,
                 "--", PROJECT_PY, "-c", driver + "go()\n"],
                check=True, stdout=subprocess.DEVNULL,
            )  # fmt: skip
            own: collections.Counter[str] = collections.Counter()
            total = 0
            with open(out) as f:
                for line in f:
                    stack, _, count = line.rstrip().rpartition(" ")
                    if "go (" not in stack:
                        continue  # the warm-up run and start-up
                    n = int(count)
                    total += n
                    own[stack.split(";")[-1]] += n
            os.unlink(out)
            print(f"py-spy: {total} samples in the profiled runs; own time by frame:")
            for frame, n in own.most_common(args.top):
                print(f"{100 * n / total:6.1f}%  {frame}")
            return
        prof = tempfile.mktemp(suffix=".prof")
        subprocess.run(
            [PROJECT_PY, "-c", driver + f"import cProfile; cProfile.run('go()', {prof!r})\n"],
            check=True,
        )  # fmt: skip
        st = pstats.Stats(prof)
        st.sort_stats("tottime").print_stats(args.top)
        st.sort_stats("cumulative").print_stats(args.top)
        os.unlink(prof)
    finally:
        replay.close()


if __name__ == "__main__":
    main()
