# ruff: noqa: RUF001 (the report prints multiplication signs and dashes)
"""The benchmark report: ``benchmarks.md`` (tables, goals, machine) and ``benchmarks.png``.

    bench/.venv/bin/python bench/report.py [results.json] [DIR]   (re-render only)

``write()`` is called by bench.py at the end of a run; the table is printed too.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ORDER = ["raw", "dockproto", "docker-py", "aiodocker", "cli"]
PEERS = ["docker-py", "aiodocker", "cli"]
NAMES = {
    "raw": "raw socket read",
    "dockproto": "dockproto_trio",
    "docker-py": "docker-py",
    "aiodocker": "aiodocker",
    "cli": "docker CLI",
}
COLORS = {
    "raw": "#9e9e9e",
    "dockproto": "#1f77b4",
    "docker-py": "#ff7f0e",
    "aiodocker": "#2ca02c",
    "cli": "#d62728",
}
STREAMS = ["logs", "attach", "export", "exportraw", "events", "logs1g", "attach1g", "follow"]


def describe(case: str, meta: dict[str, Any]) -> str:
    m = meta["manifest"]
    mb = lambda n: f"{n / 1e6:,.0f} MB"  # noqa: E731
    if case == "logs":
        c = m["logs"]
        return f"logs of `seq 1 {c['lines']:,}` ({mb(c['size'])}, one chunk per line)"
    if case == "logs1g":
        return f"logs, the same ×10 ({mb(10 * m['logs']['size'])})"
    if case == "attach":
        c = m["attach"]
        return f"attach, {c['payload'] / 2**20:,.0f} MiB in {c['frames']:,} frames of ≤32 KiB"
    if case == "attach1g":
        return f"attach, the same ×4 ({4 * m['attach']['payload'] / 2**30:.2g} GiB)"
    if case == "export":
        e = meta["expected"]
        return (f"export, {mb(m['export']['size'])}: {e['export_members']:,} tar members "
                "and their data")  # fmt: skip
    if case == "exportraw":
        return "export, the same archive as bytes (what the CLI does)"
    if case == "events":
        c = m["events"]
        return f"{c['messages']:,} JSON event messages ({mb(c['size'])})"
    if case == "inspect":
        return "`inspect` round trip (each, sequential)"
    if case == "inspect200":
        return "200 concurrent `inspect`s (all)"
    if case == "lifecycle":
        return "create + start + wait + rm of busybox `true` (each)"
    if case == "exec":
        return "exec round trip with its exit code (each)"
    if case == "follow":
        return f"follow the logs of a container printing {meta['follow_lines']:,} lines"
    return case


def fmt_s(s: float) -> str:
    if s < 0.01:
        return f"{s * 1000:.2f} ms"
    if s < 1:
        return f"{s:.3f} s"
    return f"{s:.2f} s"


def cell(r: dict[str, Any] | None) -> str:
    if r is None:
        return "–"
    if "unsupported" in r:
        return f"n/a: {r['unsupported']}"
    if "error" in r:
        return f"**failed**: {r['error']}"
    runs = f" ({r['runs']})" if r.get("runs", 5) < 3 else ""
    return fmt_s(r["seconds"]) + runs


def ratio(a: dict[str, Any] | None, b: dict[str, Any] | None) -> float | None:
    if not a or not b or "seconds" not in a or "seconds" not in b:
        return None
    return float(a["seconds"]) / float(b["seconds"])


def fmt_r(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{x:,.0f}×" if x >= 100 else f"{x:.1f}×" if x >= 10 else f"{x:.2f}×"


def table(results: dict[str, Any], meta: dict[str, Any]) -> list[str]:
    head = ("| case | raw read (limit) | dockproto_trio | ours ÷ limit | docker-py | ÷ ours "
            "| aiodocker | ÷ ours | docker CLI | ÷ ours |")  # fmt: skip
    out = [head, "|" + " --- |" * 10]
    for case, res in results.items():
        ours = res.get("dockproto")
        row = [describe(case, meta), cell(res.get("raw")), cell(ours),
               fmt_r(ratio(ours, res.get("raw")))]  # fmt: skip
        for peer in PEERS:
            row += [cell(res.get(peer)), fmt_r(ratio(res.get(peer), ours))]
        out.append("| " + " | ".join(row) + " |")
    return out


def rss_table(results: dict[str, Any], meta: dict[str, Any]) -> list[str]:
    out = ["| case | " + " | ".join(NAMES[c] for c in ORDER) + " |", "|" + " --- |" * 6]
    for case, res in results.items():
        if case not in STREAMS:
            continue
        cells = []
        for c in ORDER:
            r = res.get(c)
            cells.append(f"{r['rss_mib']:.0f}" if r and "rss_mib" in r else "–")
        out.append(f"| {describe(case, meta)} | " + " | ".join(cells) + " |")
    return out


def goals(results: dict[str, Any]) -> list[str]:
    lines = []

    def sec(case: str, client: str) -> float | None:
        r = results.get(case, {}).get(client)
        return float(r["seconds"]) if r and "seconds" in r else None

    def check(label: str, value: float | None, ok: bool | None, fmt: str) -> None:
        if value is None or ok is None:
            lines.append(f"- {label}: not measured")
            return
        lines.append(f"- {label}: {fmt.format(value)} — **{'met' if ok else 'missed'}**")

    def rel(case: str, a: str, b: str) -> float | None:
        x, y = sec(case, a), sec(case, b)
        return x / y if x is not None and y else None

    r = rel("logs", "dockproto", "raw")
    check("logs: at most 5× the raw read", r, r is not None and r <= 5, "{:.2f}×")
    for peer, want in (("docker-py", 100), ("aiodocker", 100), ("cli", 30)):
        r = rel("logs", peer, "dockproto")
        check(f"logs: at least {want}× faster than {NAMES[peer]}", r,
              r is not None and r >= want, "{:.0f}×")  # fmt: skip
    r = rel("attach", "dockproto", "raw")
    check("attach: at most 1.3× the raw read", r, r is not None and r <= 1.3, "{:.2f}×")
    r = rel("export", "dockproto", "raw")
    check("export: at most 3× the raw read", r, r is not None and r <= 3, "{:.2f}×")
    for case in ("logs1g", "attach1g"):
        rr = results.get(case, {}).get("dockproto")
        v = rr.get("rss_mib") if rr else None
        check(f"{case}: peak RSS under 64 MiB", v, v is not None and v < 64, "{:.0f} MiB")
    r = rel("inspect", "dockproto", "docker-py")
    check("inspect latency no worse than docker-py's", r, r is not None and r <= 1,
          "{:.2f}× docker-py's")  # fmt: skip
    r = rel("inspect200", "dockproto", "aiodocker")
    check("200 concurrent inspects ahead of aiodocker", r, r is not None and r < 1,
          "{:.2f}× aiodocker's time")  # fmt: skip
    for case, res in results.items():
        ours = sec(case, "dockproto")
        peers = [(p, sec(case, p)) for p in PEERS if p in res]
        timed = [(p, s) for p, s in peers if s is not None]
        if ours is None or not timed:
            continue
        best_peer, best = min(timed, key=lambda x: x[1])
        if best > ours:
            verdict = f"leads the fastest peer ({NAMES[best_peer]}) by {best / ours:.2f}×"
        else:
            verdict = (f"is **behind** the fastest peer ({NAMES[best_peer]}): "
                       f"{ours / best:.2f}× its time")  # fmt: skip
        lines.append(f"- {case}: dockproto_trio {verdict}")
    return lines


def plot(results: dict[str, Any], meta: dict[str, Any], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = [
        ("Recorded streams, replayed from memory (seconds, log scale)",
         [c for c in ("logs", "attach", "export", "exportraw", "events") if c in results]),
        ("Live dockerd 20.10 (seconds, log scale)",
         [c for c in ("inspect", "inspect200", "lifecycle", "exec", "follow") if c in results]),
    ]  # fmt: skip
    groups = [g for g in groups if g[1]]
    fig, axes = plt.subplots(1, len(groups), figsize=(7.5 * len(groups), 6.5), squeeze=False)
    for ax, (title, cases) in zip(axes[0], groups, strict=True):
        width = 0.8 / len(ORDER)
        for j, client in enumerate(ORDER):
            for i, case in enumerate(cases):
                y = i + (j - (len(ORDER) - 1) / 2) * width
                r = results[case].get(client)
                if r and "seconds" in r:
                    ax.barh(y, r["seconds"], height=width, color=COLORS[client],
                            label=NAMES[client] if i == 0 else None)  # fmt: skip
                    ax.text(r["seconds"] * 1.08, y, fmt_s(r["seconds"]), va="center", fontsize=7)
                elif r is not None:
                    why = "n/a" if "unsupported" in r else "failed"
                    ax.text(1e-4 * 1.2, y, f"{NAMES[client]}: {why}", va="center", fontsize=7,
                            color=COLORS[client])  # fmt: skip
        ax.set_xscale("log")
        top = max((r["seconds"] for c in cases for r in results[c].values() if "seconds" in r),
                  default=1.0)  # fmt: skip
        ax.set_xlim(1e-4, top * 12)  # room for the labels
        ax.set_yticks(range(len(cases)))
        ax.set_yticklabels([case for case in cases])
        ax.invert_yaxis()
        ax.set_title(title, fontsize=10)
        ax.grid(axis="x", which="major", alpha=0.3)

    handles, labels = [], []
    for ax in axes[0]:
        for h, label in zip(*ax.get_legend_handles_labels(), strict=True):
            if label not in labels:
                handles.append(h)
                labels.append(label)
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=9)
    m = meta["machine"]
    fig.suptitle(f"dockproto_trio vs docker-py, aiodocker, the docker CLI — {m['cpu']}, "
                 f"Python {m['python']}, dockerd {m['dockerd']} (shorter is better)",
                 fontsize=10)  # fmt: skip
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write(results: dict[str, Any], meta: dict[str, Any], folder: str) -> None:
    os.makedirs(folder, exist_ok=True)
    m = meta["machine"]
    quick = meta["profile"] == "quick"
    md = [
        "# Benchmarks" + (" (quick smoke run: small sizes, not for publishing)" if quick else ""),
        "",
        "Regenerate this page and the plot with `bench/run`: about 5 minutes, plus about 1.5 "
        "minutes to record the streams from dockerd the first time, and any wait for other "
        "work on the machine to end. `bench/run --quick` is a smoke check of about a minute "
        "(small sizes; its report goes to `bench/.cache/quick/`).",
        "",
        "![benchmarks](benchmarks.png)",
        "",
        "## Time (median), and how many times slower each peer is than dockproto_trio",
        "",
        "“÷ ours” is the peer's time divided by dockproto_trio's: above 1, dockproto_trio is "
        "faster.",
        "",
        *table(results, meta),
        "",
        "A figure in brackets is the number of runs when fewer than three fitted in the "
        "time budget of a case.",
        "",
        "## Peak memory of the streaming cases (RSS of the client process, MiB)",
        "",
        *rss_table(results, meta),
        "",
        "## Goals",
        "",
        *goals(results),
        "",
        *(
            [
                "Where dockproto_trio's time goes, and what would close the gaps: "
                "[benchmarks-profile.md](benchmarks-profile.md).",
                "",
            ]
            if os.path.exists(os.path.join(folder, "benchmarks-profile.md"))
            else []
        ),
        "## How it is measured",
        "",
        "- **Recorded streams.** `bench/record.py` records raw responses from the real "
        "dockerd once (cached in `bench/.cache/`): head and chunked body exactly as sent, and "
        "for attach the `101` and the raw stream after it. `bench/replay.py` serves them "
        "from memory over a Unix socket, as a process of its own, with one `sendall`; it "
        "also answers `/_ping`, `/version`, inspect (Tty false), `start` and `wait` with "
        "recorded answers, so every client believes it talks to dockerd. The attach stream "
        "is held back until the client starts the container, as in the recording. The "
        f"events stream is {meta['manifest']['events']['recorded_messages']} real messages "
        "(three container lifecycles) in dockerd's one-chunk-per-message framing, repeated.",
        "- **The limit.** The raw socket read sends the request and `recv_into`s a reused "
        "256 KiB buffer to the end: what any client must at least spend.",
        "- **One process per measurement**, clients taking turns, median of up to 9 runs "
        "for the replayed streams and 5 for the live cases (3 for lifecycle and follow; a "
        "client whose runs took over 25 s is not run again). Every Python client, the raw "
        "read too, first keeps the CPU busy for 0.2 s (a cold process read the export "
        "~10% slower than one that had run a while, which flattered every ratio). "
        "Python clients time themselves after their imports, from making the client "
        "(version negotiation included) to the last item; the CLI is timed from spawn to "
        "exit, so its own start-up (~15 ms) is in its figures. Peak RSS is the process's "
        "own high-water mark: `VmHWM` for Python clients, GNU time's `%M` for the CLI.",
        "- **What each client does.** dockproto_trio: `docker.containers.logs/attach/"
        "export`, `docker.events`, `exec.run`. docker-py: `APIClient` (`version='auto'`), "
        "`logs(stream=True)`, `attach(stream=True, demux=True)`, `export()` read by "
        "`tarfile` in stream mode, `events(decode=True)`, `exec_create/exec_start(demux=True)"
        "/exec_inspect`, 200 threads for the concurrent case. aiodocker: `log(follow=True)` "
        "(the streaming form), `attach().read_out()`, `events.subscribe()`, `exec().start()`"
        "/`inspect()`, `asyncio.gather` of 200 `show()`s. The CLI writes to /dev/null: "
        "`logs`, `start -a` (attach, then start), `export` (bytes only: it does not read "
        "the tar), `events`, `container inspect` with the id 200 times in one process "
        "(so the latency is the Go client's, not 200 process starts), 200 `inspect` "
        "processes at once, `create`/`start`/`wait`/`rm`, `exec`.",
        "- **Live cases** run against a private dockerd that other test runs may share: "
        "their spread is larger.",
        "- **A shared machine.** bench.py waits for other work to end before it starts "
        "(the load is given below), and `bench/run` runs it at `nice -15` when it can.",
        "",
        "## Machine and versions",
        "",
        f"- CPU: {m['cpu']}: the replay daemon and the client under test run side by side, "
        "one core each (docker-py, dockproto_trio and the raw read use one core; the Go CLI "
        f"may use both), memory {m['memory']}, Linux {m['kernel']}",
        f"- Python {m['python']}; {m['ours']}",
        f"- peers: {m['peers']}; {m['cli']}",
        f"- dockerd {m['dockerd']}; run on {m['date']}, {m['elapsed']} in all; "
        f"{m.get('load', 'load not recorded')}",
        "",
    ]
    with open(os.path.join(folder, "benchmarks.md"), "w") as f:
        f.write("\n".join(md))
    plot(results, meta, os.path.join(folder, "benchmarks.png"))
    print("\n".join(table(results, meta)))
    print()
    print("\n".join(rss_table(results, meta)))
    print()
    print("\n".join(goals(results)))


if __name__ == "__main__":
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, ".cache", "results-full.json")
    with open(src) as f:
        data = json.load(f)
    write(
        data["results"],
        data["meta"],
        sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "..", "docs"),
    )
