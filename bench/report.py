# ruff: noqa: RUF001, RUF003 (the report prints multiplication signs and dashes)
"""The benchmark report: ``benchmarks.md`` (tables, goals, machine) and ``benchmarks.png``.

    bench/.venv/bin/python bench/report.py [results.json] [DIR]   (re-render only)

``write()`` is called by bench.py at the end of a run; the table is printed too.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ORDER = [
    "raw",
    "dockproto",
    "dockproto-asyncio",
    "dockproto-uvloop",
    "dockproto-sync",
    "docker-py",
    "aiodocker",
    "cli",
]
OURS = ["dockproto", "dockproto-asyncio", "dockproto-uvloop", "dockproto-sync"]
OTHERS = OURS[1:]  # dockproto_trio's siblings, measured against it
PEERS = ["docker-py", "aiodocker", "cli"]
NAMES = {
    "raw": "raw socket read",
    "dockproto": "dockproto_trio",
    "dockproto-asyncio": "dockproto_asyncio",
    "dockproto-uvloop": "dockproto_asyncio on uvloop",
    "dockproto-sync": "dockproto_sync",
    "docker-py": "docker-py",
    "aiodocker": "aiodocker",
    "cli": "docker CLI",
}
COLORS = {
    "raw": "#9e9e9e",
    "dockproto": "#1f77b4",
    "dockproto-asyncio": "#17becf",
    "dockproto-uvloop": "#9467bd",
    "dockproto-sync": "#8c564b",
    "docker-py": "#ff7f0e",
    "aiodocker": "#2ca02c",
    "cli": "#d62728",
}
STREAMS = ["logs", "attach", "export", "exportraw", "events", "logs1g", "attach1g", "follow"]
# The stream cases whose time the siblings must keep within SIBLING_LIMIT of trio's.
SIBLING_CASES = ["logs", "attach", "export"]
SIBLING_LIMIT = 1.3
# dockproto_trio's ratios to the raw read before the client was written once (the
# report of commit 1fe8cb7; attach was 1.04× there and up to 1.3× in other runs).
PREVIOUS = {"logs": 3.41, "attach": 1.3, "export": 2.48}
SMALL_LIMIT = 3.0  # a small request: at most this many times the raw loop's cost


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
    if case == "inspectmem":
        return "small request: a recorded `inspect` answer (5 KB, Content-Length), replayed (each)"
    if case == "list2000":
        return "list 2,000 containers (created, not started; each list)"
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
    if s < 0.001:
        return f"{s * 1e6:.0f} µs"
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


def by_round(r: dict[str, Any] | None) -> dict[int, float]:
    """A client's runs of a case by round (clients take turns within a round)."""
    if not r or "all" not in r:
        return {}
    rounds = r.get("rounds", range(len(r["all"])))
    return dict(zip(rounds, r["all"], strict=False))


def round_ratios(a: dict[str, Any] | None, b: dict[str, Any] | None) -> list[float]:
    """``a``'s time over ``b``'s in each round both ran: the ratio's run-to-run spread."""
    ra, rb = by_round(a), by_round(b)
    return [ra[k] / rb[k] for k in sorted(ra) if rb.get(k)]


def fmt_range(xs: list[float], fmt: Any = fmt_r) -> str:
    if len(xs) < 2:
        return "–"
    return f"{fmt(min(xs))}–{fmt(max(xs))}"


def spread(r: dict[str, Any] | None) -> str:
    """The runs' range as ± half of it, relative to the median."""
    if not r or "all" not in r or len(r["all"]) < 2 or not r.get("seconds"):
        return "–"
    return f"±{50 * (max(r['all']) - min(r['all'])) / r['seconds']:.0f}%"


def iqr(xs: list[float]) -> float:
    if len(xs) < 2:
        return 0.0
    q = statistics.quantiles(xs, n=4, method="inclusive")
    return q[2] - q[0]


def fmt_us(s: float) -> str:
    return f"{s * 1e6:,.0f} µs"


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


def siblings_table(results: dict[str, Any], meta: dict[str, Any]) -> list[str]:
    """dockproto's clients side by side: each sibling's time over trio's (per-round range)."""
    head = "| case | dockproto_trio (runs ±) | " + " | ".join(
        f"{NAMES[c]} | ÷ trio (range)" for c in OTHERS
    )
    out = [head + " |", "|" + " --- |" * (2 + 2 * len(OTHERS))]
    for case, res in results.items():
        trio = res.get("dockproto")
        if not any(c in res for c in OTHERS):
            continue
        row = [describe(case, meta), f"{cell(trio)} ({spread(trio)})"]
        for c in OTHERS:
            r = res.get(c)
            rs = round_ratios(r, trio)
            row += [cell(r), f"{fmt_r(ratio(r, trio))} ({fmt_range(rs)})" if rs else "–"]
        out.append("| " + " | ".join(row) + " |")
    return out


def small_table(results: dict[str, Any]) -> list[str]:
    res = results.get("inspectmem")
    if not res:
        return []
    raw = res.get("raw")
    out = ["| client | per request (median) | runs (min–max) | ÷ raw loop | per-round range "
           "| goal | its CPU per request | CPU ÷ raw loop's |", "|" + " --- |" * 8]  # fmt: skip
    for c in ORDER:
        r = res.get(c)
        if r is None:
            continue
        if "seconds" not in r:
            out.append(f"| {NAMES[c]} | {cell(r)} | | | | | | |")
            continue
        x = ratio(r, raw)
        cpu = fmt_us(r["cpu"]) if "cpu" in r else "–"
        cpu_x = fmt_r(r["cpu"] / raw["cpu"]) if "cpu" in r and raw and raw.get("cpu") else "–"
        goal = "the limit"
        if c in OURS:
            ok = x is not None and x <= SMALL_LIMIT
            goal = f"≤ {SMALL_LIMIT:g}×: **{'met' if ok else 'not met'}**"
        elif c != "raw":
            goal = "reference"
        rs = fmt_range(round_ratios(r, raw)) if c != "raw" else "–"
        xs = fmt_r(x) if c != "raw" else "1"
        out.append(f"| {NAMES[c]} | {fmt_us(r['seconds'])} | {fmt_range(r['all'], fmt_us)} | "
                   f"{xs} | {rs} | {goal} | {cpu} | {cpu_x} |")  # fmt: skip
    return out


def list_table(results: dict[str, Any]) -> list[str]:
    res = results.get("list2000")
    if not res:
        return []
    raw = res.get("raw")
    py = res.get("docker-py")
    base = raw["seconds"] if raw and "seconds" in raw else None
    py_over = py["seconds"] - base if py and "seconds" in py and base is not None else None
    raw_cpu = raw.get("cpu") if raw else None
    py_cpu = py["cpu"] - raw_cpu if py and "cpu" in py and raw_cpu is not None else None
    out = ["| client | time (median) | runs (min–max) | minus the raw read | per-round range "
           "| goal: at most docker-py's | its CPU per list, over the raw read's | "
           "by CPU: at most docker-py's |", "|" + " --- |" * 8]  # fmt: skip
    for c in ORDER:
        r = res.get(c)
        if r is None:
            continue
        if "seconds" not in r or base is None:
            out.append(f"| {NAMES[c]} | {cell(r)} | | | | | | |")
            continue
        cpu_over = r["cpu"] - raw_cpu if "cpu" in r and raw_cpu is not None else None
        cpu_cell = "–" if cpu_over is None else f"{r['cpu'] * 1000:.1f} ms ({cpu_over * 1000:+.1f})"
        cpu_goal = "–"
        if c in OURS and cpu_over is not None and py_cpu is not None:
            cpu_goal = f"**{'met' if cpu_over <= py_cpu else 'not met'}**"
        over = r["seconds"] - base
        rr, rb = by_round(r), by_round(raw)
        overs = [rr[k] - rb[k] for k in rr if k in rb]
        goal = "–"
        if c in OURS and py_over is not None:
            goal = f"**{'met' if over <= py_over else 'not met'}**"
        fmt_ms = lambda x: f"{x * 1000:+.1f} ms"  # noqa: E731
        out.append(f"| {NAMES[c]} | {fmt_s(r['seconds'])} | {fmt_range(r['all'], fmt_s)} | "
                   f"{fmt_ms(over) if c != 'raw' else '–'} | "
                   f"{fmt_range(overs, fmt_ms) if c != 'raw' else '–'} | {goal} | {cpu_cell} | "
                   f"{cpu_goal} |")  # fmt: skip
    return out


def rss_table(results: dict[str, Any], meta: dict[str, Any]) -> list[str]:
    cols = [c for c in ORDER if any(c in results.get(case, {}) for case in STREAMS)]
    out = [
        "| case | " + " | ".join(NAMES[c] for c in cols) + " |",
        "|" + " --- |" * (1 + len(cols)),
    ]
    for case, res in results.items():
        if case not in STREAMS:
            continue
        cells = []
        for c in cols:
            r = res.get(c)
            cells.append(f"{r['rss_mib']:.0f}" if r and "rss_mib" in r else "–")
        out.append(f"| {describe(case, meta)} | " + " | ".join(cells) + " |")
    return out


def goals(results: dict[str, Any]) -> list[str]:
    """Every goal as a row: the figure, this run's spread of it, met or not."""
    rows: list[str] = []

    def sec(case: str, client: str) -> float | None:
        r = results.get(case, {}).get(client)
        return float(r["seconds"]) if r and "seconds" in r else None

    def res(case: str, client: str) -> dict[str, Any] | None:
        r: dict[str, Any] | None = results.get(case, {}).get(client)
        return r

    def row(label: str, value: str | None, noise: str, ok: bool | None) -> None:
        if value is None or ok is None:
            rows.append(f"| {label} | not measured | | |")
        else:
            rows.append(f"| {label} | {value} | {noise} | **{'met' if ok else 'not met'}** |")

    def rel(case: str, a: str, b: str) -> float | None:
        x, y = sec(case, a), sec(case, b)
        return x / y if x is not None and y else None

    def limit(case: str, a: str, b: str, most: float, label: str) -> None:
        r = rel(case, a, b)
        rs = round_ratios(res(case, a), res(case, b))
        row(label, fmt_r(r) if r is not None else None, fmt_range(rs),
            None if r is None else r <= most)  # fmt: skip

    # -- the stream cases: trio against the limit and its own earlier figures ---------
    limit("logs", "dockproto", "raw", 5, "logs: dockproto_trio at most 5× the raw read")
    limit("attach", "dockproto", "raw", 1.3, "attach: dockproto_trio at most 1.3× the raw read")
    limit("export", "dockproto", "raw", 3, "export: dockproto_trio at most 3× the raw read")
    for case, before in PREVIOUS.items():
        r = rel(case, "dockproto", "raw")
        rs = round_ratios(res(case, "dockproto"), res(case, "raw"))
        noise = iqr(rs)
        row(f"{case}: dockproto_trio no worse than before ({before:.2f}× the raw read), "
            "within this run's noise (interquartile range of the per-round ratios)",
            fmt_r(r) if r is not None else None,
            f"{fmt_range(rs)}, IQR {noise:.2f}",
            None if r is None else r <= before + noise)  # fmt: skip
    # -- the siblings: within 1.3× of trio on each stream case ------------------------
    for c in OTHERS:
        for case in SIBLING_CASES:
            label = f"{case}: {NAMES[c]} at most {SIBLING_LIMIT:g}× dockproto_trio's time"
            limit(case, c, "dockproto", SIBLING_LIMIT, label)
    # -- small requests, typed lists ---------------------------------------------------
    for c in OURS:
        limit("inspectmem", c, "raw", SMALL_LIMIT,
              f"small request: {NAMES[c]} at most {SMALL_LIMIT:g}× the raw loop")  # fmt: skip
    base, py = sec("list2000", "raw"), sec("list2000", "docker-py")
    for c in OURS:
        x = sec("list2000", c)
        if x is None or base is None or py is None:
            row(f"list 2,000: {NAMES[c]}'s time over the raw read at most docker-py's", None,
                "", None)  # fmt: skip
            continue
        row(f"list 2,000: {NAMES[c]}'s time over the raw read at most docker-py's",
            f"{(x - base) * 1000:+.1f} ms vs {(py - base) * 1000:+.1f} ms",
            f"runs {fmt_range(res('list2000', c)['all'], fmt_s)}",  # type: ignore[index]
            x - base <= py - base)  # fmt: skip
    # -- the peers ------------------------------------------------------------------------
    for peer, want in (("docker-py", 100), ("aiodocker", 100), ("cli", 30)):
        r = rel("logs", peer, "dockproto")
        row(f"logs: at least {want}× faster than {NAMES[peer]}", fmt_r(r) if r else None, "",
            None if r is None else r >= want)  # fmt: skip
    for case in ("logs1g", "attach1g"):
        rr = res(case, "dockproto")
        v = rr.get("rss_mib") if rr else None
        row(f"{case}: peak RSS under 64 MiB", f"{v:.0f} MiB" if v is not None else None, "",
            None if v is None else v < 64)  # fmt: skip
    r = rel("inspect", "dockproto", "docker-py")
    row("inspect latency no worse than docker-py's (live)", fmt_r(r) if r else None, "",
        None if r is None else r <= 1)  # fmt: skip
    r = rel("inspect200", "dockproto", "aiodocker")
    row("200 concurrent inspects ahead of aiodocker (live)", fmt_r(r) if r else None, "",
        None if r is None else r < 1)  # fmt: skip
    return ["| goal | figure | this run's spread | verdict |", "| --- | --- | --- | --- |", *rows]


def leads(results: dict[str, Any]) -> list[str]:
    lines = []
    for case, res in results.items():
        ours = res.get("dockproto", {}).get("seconds")
        timed = [(p, res[p]["seconds"]) for p in PEERS if "seconds" in res.get(p, {})]
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
         [c for c in ("logs", "attach", "export", "exportraw", "events", "inspectmem")
          if c in results]),
        ("Live dockerd 20.10 (seconds, log scale)",
         [c for c in ("inspect", "inspect200", "list2000", "lifecycle", "exec", "follow")
          if c in results]),
    ]  # fmt: skip
    groups = [g for g in groups if g[1]]
    fig, axes = plt.subplots(1, len(groups), figsize=(8 * len(groups), 9), squeeze=False)
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
                    ax.text(1e-5 * 1.2, y, f"{NAMES[client]}: {why}", va="center", fontsize=7,
                            color=COLORS[client])  # fmt: skip
        ax.set_xscale("log")
        top = max((r["seconds"] for c in cases for r in results[c].values() if "seconds" in r),
                  default=1.0)  # fmt: skip
        ax.set_xlim(1e-5, top * 12)  # room for the labels
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
    fig.legend(handles, labels, loc="lower center", ncol=4, fontsize=9)
    m = meta["machine"]
    fig.suptitle(f"dockproto's clients vs docker-py, aiodocker, the docker CLI — {m['cpu']}, "
                 f"Python {m['python']}, dockerd {m['dockerd']} (shorter is better)",
                 fontsize=10)  # fmt: skip
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def busy_warning(machine: dict[str, Any]) -> list[str]:
    """A warning when other work kept the machine busy as the run started, or as it ended
    (a load average over 3 on 2 cores: the run itself keeps about 2 busy)."""
    import re

    load = str(machine.get("load", ""))
    start = re.match(r"([0-9.]+) cores busy", load)
    end = re.search(r"load average ([0-9.]+) at the end", load)
    busy = float(start.group(1)) if start else 0.0
    avg = float(end.group(1)) if end else 0.0
    if busy < 0.5 and avg < 3:
        return []
    return [
        f"**This run was taken on a busy machine** ({busy:.2f} cores busy with other work as "
        f"it started, a load average of {avg:.2f} as it ended): every figure is inflated, a client "
        "that needs more CPU than the raw read more so, and the ratios to the raw read with "
        "it; the spreads show how much. Same-run ratios between clients are the figures to "
        "trust.",
        "",
    ]


def write(results: dict[str, Any], meta: dict[str, Any], folder: str) -> None:
    os.makedirs(folder, exist_ok=True)
    m = meta["machine"]
    quick = meta["profile"] == "quick"
    md = [
        "# Benchmarks" + (" (quick smoke run: small sizes, not for publishing)" if quick else ""),
        "",
        "Regenerate this page and the plot with `bench/run`: about 12 minutes on a quiet "
        "machine, plus about 2 minutes to record the streams from dockerd the first time, and "
        "any wait for other work on the machine to end. `bench/run --quick` is a smoke check "
        "of a few minutes (small sizes; its report goes to `bench/.cache/quick/`); "
        "`--only CASE,...` runs some cases.",
        "",
        *busy_warning(m),
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
        "## dockproto's clients side by side",
        "",
        "The same calls on dockproto_trio, dockproto_asyncio (on asyncio's own loop and on "
        "uvloop) and the blocking dockproto_sync: the client is written once "
        "(`dockproto/_drive`), each runs it over its own I/O. “÷ trio” is the client's "
        "time over dockproto_trio's (the median's ratio; in brackets the lowest and highest "
        "ratio of the rounds, which pair runs taken one after the other). “runs ±” is half "
        "the range of dockproto_trio's own runs, relative to their median.",
        "",
        *siblings_table(results, meta),
        "",
        "## Small requests",
        "",
        "A recorded `inspect` answer (body framed by Content-Length) replayed from memory, "
        "the same bytes for every request on one keep-alive connection; the raw loop writes "
        "the same request bytes on one connection and reads the whole answer, its end "
        "found by Content-Length. Each client asks sequentially, after a warm-up; the "
        "figure is the median over runs of the mean time per request, and the ratio its "
        "cost over the raw loop's.",
        "",
        *small_table(results),
        "",
        "## Listing 2,000 containers (typed results)",
        "",
        "2,000 containers created for the case (never started, labelled), listed with their "
        "label as the filter; dockproto answers `ContainerSummary` models, docker-py dicts, "
        "aiodocker `DockerContainer` objects over dicts. The raw read is the request and "
        "the answer read to its end (no JSON decoded); what a client spends over it is its "
        "own cost. Live: dockerd's own time dominates and moves from run to run.",
        "",
        *list_table(results),
        "",
        "## Peak memory of the streaming cases (RSS of the client process, MiB)",
        "",
        *rss_table(results, meta),
        "",
        "## Goals",
        "",
        "All measured in this one run. A ratio's spread is the lowest and highest ratio over "
        "the rounds (the two clients' runs of one round follow each other).",
        "",
        *goals(results),
        "",
        *leads(results),
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
        "- **What each client does.** dockproto's clients (trio, asyncio, uvloop, blocking) "
        "make the same calls, as their docs show: `docker.containers.logs/attach/export` "
        "(tar items, or `tar.raw()`), `docker.events`, `containers.inspect`, "
        "`containers.list`, `exec.run`; `async for` on the async clients, `for` and `with` "
        "on dockproto_sync; the concurrent case in a trio nursery or `asyncio.gather` "
        "(not run on dockproto_sync). docker-py: `APIClient` (`version='auto'`), "
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
        "one core each (docker-py, dockproto's clients and the raw read use one core; the Go CLI "
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
    for part in (table(results, meta), siblings_table(results, meta), small_table(results),
                 list_table(results), rss_table(results, meta), goals(results)):  # fmt: skip
        print("\n".join(part))
        print()


if __name__ == "__main__":
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, ".cache", "results-full.json")
    with open(src) as f:
        data = json.load(f)
    write(
        data["results"],
        data["meta"],
        sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "..", "docs"),
    )
