"""The benchmark's Markdown report, written from the saved figures of every N."""

from __future__ import annotations

import json
import math
from pathlib import Path

PAGE_TARGET_N = 10000


def fmt(x, digits=1) -> str:
    """A number for a table; '–' for missing."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{x:,.{digits}f}"


def ratio(ours, ref) -> str:
    """ours / ref as '0.42x'."""
    if not ours or not ref or math.isnan(ours) or math.isnan(ref):
        return "–"
    return f"{ours / ref:.2f}x"


def render(paths: list[Path], mode: str) -> str:
    """The whole report."""
    runs = [json.loads(p.read_text()) for p in paths]
    if not runs:
        return "# Benchmark\n\nNothing measured yet.\n"
    first = runs[-1]
    m, v = first["machine"], first["versions"]
    lines = [f"# kokemus-ld benchmark ({mode})", "",
             "Written by `bench/run.py` (`make bench` / `make bench-quick`); raw figures in "
             f"`bench/results/{mode}/`. Loopback only; every load run is bounded in time. Where the time goes, "
             "with profiles of each miss: `bench/PROFILE.md`.", "",
             f"Machine: {m['nproc']} cores, {m['memory_gib']} GiB, {m['cpu']}, Linux {m['kernel']}; "
             f"load average at start of the last N: {', '.join(f'{x:.1f}' for x in m['load_average'])} "
             "(the machine was shared with other work: read the ratios, not the absolute times).", "",
             "Versions: " + ", ".join(f"{k} {val}" for k, val in v.items()) + ".", "",
             "Dates: " + ", ".join(f"N={r['n']}: {r['date']}" for r in runs) + ".", ""]
    lines += _build_table(runs) + _query_tables(runs) + _page_tables(runs) + _memory_table(runs) + _targets(runs)
    return "\n".join(lines) + "\n"


def _build_table(runs) -> list[str]:
    out = ["## Build", "", "| N | triples | documents | generate s | build s | build peak MiB | "
           "rebuild after one edit s | rebuild peak MiB | s per 1000 entries |", "|---|---|---|---|---|---|---|---|---|"]
    for r in runs:
        b = r["build"]
        if b["build"]["rc"] != 0:
            out.append(f"| {r['n']} | build failed (rc {b['build']['rc']}): {b['build']['tail'][-200:]!r} |")
            continue
        out.append(f"| {r['n']:,} | {b['triples']:,} | {b['documents']:,} | {fmt(b['generate_s'])} | "
                   f"{fmt(b['build']['seconds'])} | {fmt(b['build']['peak_mib'], 0)} | {fmt(b['rebuild']['seconds'])} | "
                   f"{fmt(b['rebuild']['peak_mib'], 0)} | {fmt(b['build']['seconds'] / r['n'] * 1000)} |")
    return out + [""]


def _query_tables(runs) -> list[str]:
    out = ["## SPARQL: the fixed queries (bench/queries/*.rq)", "",
           "Latency: p50 / p99 in ms of sequential requests (one keep-alive connection). Throughput: "
           "req/s under wrk (2 threads, 16 connections). Ratios are ours / on-disk Oxigraph server. "
           "'ours' is /sparql as deployed (answers cached per build, setting sparql_cache); 'uncached' is the "
           "same server with KOKEMUS_SPARQL_CACHE=false, where every query runs in a forked, killable child.", ""]
    for r in runs:
        if "servers" not in r:
            continue
        s, ip = r["servers"], r["in_process"]
        out += [f"### N = {r['n']:,}", "",
                "| query | rows | in process p50/p99 | ours HTTP p50/p99 | Oxigraph disk p50/p99 | "
                "Oxigraph mem p50/p99 | ours req/s | uncached req/s | Oxigraph disk req/s | Oxigraph mem req/s | "
                "ratio ours/disk | ratio uncached/disk |", "|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for name, q in ip["queries"].items():
            ours, disk, mem = s["ours"]["sparql"][name], s["oxigraph_disk"]["sparql"][name], s["oxigraph_memory"]["sparql"][name]
            plain = s.get("ours_uncached", {}).get("sparql", {}).get(name, {"load": {}})
            out.append(f"| {name} | {q['rows']:,} | {fmt(q['p50_ms'], 2)} / {fmt(q['p99_ms'], 2)} | "
                       f"{fmt(ours['p50_ms'])} / {fmt(ours['p99_ms'])} | {fmt(disk['p50_ms'])} / {fmt(disk['p99_ms'])} | "
                       f"{fmt(mem['p50_ms'])} / {fmt(mem['p99_ms'])} | {fmt(ours['load']['rps'])} | "
                       f"{fmt(plain['load'].get('rps'))} | {fmt(disk['load']['rps'])} | {fmt(mem['load']['rps'])} | "
                       f"{ratio(ours['load']['rps'], disk['load']['rps'])} | "
                       f"{ratio(plain['load'].get('rps'), disk['load']['rps'])} |")
        out.append("")
        out.append(f"Store load: embedded (in process) {fmt(ip['load_s'], 2)} s; Oxigraph on disk "
                   f"`oxigraph load` {fmt(s['oxigraph_disk']['load'].get('seconds'), 2)} s; Oxigraph in memory "
                   f"(POST /store) {fmt(s['oxigraph_memory']['load'].get('seconds'), 2)} s.")
        out.append("")
    return out


def _page_tables(runs) -> list[str]:
    out = ["## Pages under gunicorn (workers = cores, --preload)", "",
           "req/s and p50 / p99 ms under wrk (2 threads, 16 connections); the ceiling is a minimal Flask app "
           "returning our own answers' bytes, pre-serialized, under the same gunicorn settings.", ""]
    for r in runs:
        if "servers" not in r:
            continue
        s = r["servers"]
        out += [f"### N = {r['n']:,}", "", "| page | bytes | ours req/s | ours p50/p99 | ceiling req/s | "
                "ceiling p50/p99 | ratio (ours/ceiling) |", "|---|---|---|---|---|---|---|"]
        for label, page in s["ours"]["pages"].items():
            if "missing" in page:
                out.append(f"| {label} | missing ({page['missing']}) | | | | | |")
                continue
            ceil = s["ceiling"].get(label, {})
            out.append(f"| {label} | {page['bytes']:,} | {fmt(page['rps'])} | {fmt(page['p50_ms'])} / "
                       f"{fmt(page['p99_ms'])} | {fmt(ceil.get('rps'))} | {fmt(ceil.get('p50_ms'))} / "
                       f"{fmt(ceil.get('p99_ms'))} | {ratio(page['rps'], ceil.get('rps'))} |")
        listing = s["ours"].get("listing_latency")
        if listing:
            out.append(f"\nListing with facet, sequential: p50 {fmt(listing['p50_ms'])} ms, p99 {fmt(listing['p99_ms'])} ms.")
        out.append("")
    return out


def _memory_table(runs) -> list[str]:
    out = ["## Memory while serving", "", "| N | gunicorn master RSS MiB | per worker RSS / PSS MiB | "
           "Oxigraph disk RSS MiB | Oxigraph mem RSS MiB |", "|---|---|---|---|---|"]
    for r in runs:
        if "servers" not in r:
            continue
        mem = list(r["servers"]["ours"]["memory_mib_after_load"].values())
        master, workers = mem[0], mem[1:]
        w = ", ".join(f"{fmt(x.get('rss'), 0)} / {fmt(x.get('pss'), 0)}" for x in workers)
        disk = list(r["servers"]["oxigraph_disk"]["memory_mib"].values())[0]
        memo = list(r["servers"]["oxigraph_memory"]["memory_mib"].values())[0]
        out.append(f"| {r['n']:,} | {fmt(master.get('rss'), 0)} | {w} | {fmt(disk.get('rss'), 0)} | "
                   f"{fmt(memo.get('rss'), 0)} |")
    return out + [""]


def _targets(runs) -> list[str]:
    by_n = {r["n"]: r for r in runs}
    n = PAGE_TARGET_N if PAGE_TARGET_N in by_n else max(by_n)
    r = by_n[n]
    out = ["## Targets (issue 6)", "", f"Measured at N = {n:,}" +
           ("" if n == PAGE_TARGET_N else f" (N = {PAGE_TARGET_N:,} not measured in this mode)") + ".", "",
           "| target | measured | met? |", "|---|---|---|"]

    def row(target, measured, met):
        out.append(f"| {target} | {measured} | {'met' if met else 'missed'} |")

    s = r.get("servers")
    if s:
        for label in ("activity HTML", "activity Turtle", "activity JSON-LD"):
            page, ceil = s["ours"]["pages"][label], s["ceiling"][label]
            q = page["rps"] / ceil["rps"] if ceil["rps"] else 0
            row(f"{label}: >= 0.8x ceiling, p99 < 50 ms", f"{q:.2f}x, p99 {fmt(page['p99_ms'])} ms",
                q >= 0.8 and page["p99_ms"] < 50)
        for label, key, goal in (("SPARQL repeated (cached) >= 1.0x Oxigraph on disk", "ours", 1.0),
                                 ("SPARQL uncached >= 0.5x Oxigraph on disk", "ours_uncached", 0.5)):
            if key not in s:
                row(label, "not measured", False)
                continue
            ratios = {k: _rps_ratio(v, s["oxigraph_disk"]["sparql"][k]) for k, v in s[key]["sparql"].items()}
            worst = min(ratios, key=ratios.get)
            row(label, f"worst {worst} {ratios[worst]:.2f}x; " + ", ".join(f"{k} {x:.2f}x" for k, x in ratios.items()),
                ratios[worst] >= goal)
        listing = s["ours"].get("listing_latency")
        if listing:
            row("listing with facet p99 < 100 ms", f"{fmt(listing['p99_ms'])} ms (sequential), "
                f"{fmt(s['ours']['pages']['listing with facet']['p99_ms'])} ms under load", listing["p99_ms"] < 100)
        else:
            row("listing with facet p99 < 100 ms", "listing missing", False)
    b = r["build"]
    if b["build"]["rc"] == 0:
        row("build < 60 s (validation included)", f"{fmt(b['build']['seconds'])} s", b["build"]["seconds"] < 60)
        row("incremental rebuild after one edit < 3 s", f"{fmt(b['rebuild']['seconds'])} s", b["rebuild"]["seconds"] < 3)
    sizes = sorted(x for x in by_n if by_n[x]["build"]["build"]["rc"] == 0)
    if len(sizes) >= 2:
        lo, hi = by_n[sizes[-2]], by_n[sizes[-1]]
        growth = (hi["build"]["build"]["seconds"] / lo["build"]["build"]["seconds"]) / (hi["n"] / lo["n"])
        row("build grows no worse than linearly", f"time x{hi['build']['build']['seconds'] / lo['build']['build']['seconds']:.1f} "
            f"for N x{hi['n'] / lo['n']:.0f} (N {lo['n']:,} -> {hi['n']:,})", growth <= 1.2)
    big = by_n.get(50000)
    if big and "servers" in big:
        workers = list(big["servers"]["ours"]["memory_mib_after_load"].values())[1:]
        peak = max(w.get("rss", 0) for w in workers)
        row("serving N = 50,000: < 2 GiB per worker", f"{fmt(peak, 0)} MiB RSS", peak < 2048)
    else:
        row("serving N = 50,000: < 2 GiB per worker", "not measured in this mode", False)
    return out + [""]


def _rps_ratio(ours: dict, ref: dict) -> float:
    """Throughput ratio; a reference that answered nothing within the run counts as beaten."""
    mine, theirs = ours["load"].get("rps") or 0.0, ref["load"].get("rps") or 0.0
    if math.isnan(mine):
        return 0.0
    if not theirs or math.isnan(theirs):
        return float("inf") if mine else 0.0
    return mine / theirs


OWN_SECTIONS = ("## Build", "## SPARQL", "## Pages", "## Memory", "## Targets")


def foreign_sections(old: str) -> str:
    """Sections of an existing report that other tools wrote (e.g. the soak test's), kept as they are."""
    kept, keep = [], False
    for line in old.splitlines():
        if line.startswith("## "):
            keep = not line.startswith(OWN_SECTIONS)
        if keep:
            kept.append(line)
    return "\n".join(kept).strip() + "\n" if kept else ""
