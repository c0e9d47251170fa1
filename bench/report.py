"""The benchmark's Markdown report, written from the saved figures of every N (partial runs too)."""

from __future__ import annotations

import json
from pathlib import Path

import targets
from targets import fmt, get, num

PAGE_LABELS = ("activity HTML", "activity Turtle", "activity JSON-LD", "listing with facet", "listing with search")


def load(paths: list[Path]) -> list[dict]:
    """The saved figures, smallest N first."""
    return [json.loads(p.read_text()) for p in paths]


def ratio(ours, ref) -> str:
    """ours / ref as '0.42x'; '–' when either is missing."""
    ours, ref = num(ours), num(ref)
    return "–" if not ours or not ref else f"{ours / ref:.2f}x"


def render(paths: list[Path], mode: str) -> str:
    """The whole report: targets first, then the run, the ratios and every table."""
    runs = load(paths)
    if not runs:
        return "# Benchmark\n\nNothing measured yet.\n"
    lines = [f"# kokemus-ld benchmark ({mode})", "",
             "Written by `bench/run.py` (`make bench` / `make bench-quick`) from the raw figures in "
             f"`{_shown(paths[0].parent)}/` (rewrite with `python bench/run.py{' --quick' if mode == 'quick' else ''} "
             "--report-only`). Loopback only; every load run is bounded in time. Where the time goes: "
             "`bench/PROFILE.md`.", ""]
    lines += targets.table(runs) + _run_section(runs) + ratio_tables(runs) + _build_table(runs)
    lines += _query_tables(runs) + _page_tables(runs) + _memory_table(runs)
    return "\n".join(lines) + "\n"


def _shown(folder: Path) -> str:
    """A folder as the reader finds it: relative to the repository when inside it."""
    root = Path(__file__).resolve().parent.parent
    return str(folder.resolve().relative_to(root)) if folder.resolve().is_relative_to(root) else str(folder)


def summary(runs: list[dict]) -> list[str]:
    """What the console shows at the end: phase times, the ratio tables and the targets."""
    return _phase_table(runs) + ratio_tables(runs) + targets.table(runs)


def _run_section(runs) -> list[str]:
    m, v = runs[-1]["machine"], runs[-1]["versions"]
    out = ["## Run", "",
           f"Machine: {m['nproc']} cores, {m['memory_gib']} GiB, {m['cpu']}, Linux {m['kernel']}.", "",
           "Versions: " + ", ".join(f"{k} {val}" for k, val in v.items()) + ".", "",
           "Load average (1, 5, 15 min) at the start and the end of each N; the machine may be shared, so "
           "read the ratios (measured side by side in the same run) rather than the absolute times.", "",
           "| N | date (UTC) | load at start | load at end | load run s | sequential budget s | served |",
           "|---|---|---|---|---|---|---|"]
    for r in runs:
        st = r.get("settings", {})
        out.append(f"| {r['n']:,} | {r['date']} | {_load(r['machine']['load_average'])} | "
                   f"{_load(r.get('load_average_end'))} | {st.get('seconds_per_load_run', r.get('seconds_per_load_run', '–'))} | "
                   f"{st.get('sequential_budget_s', '–')} | {'yes' if st.get('served', 'servers' in r) else 'build only'} |")
    out.append("")
    out += _phase_table(runs)
    errors = [(r["n"], k, e) for r in runs for k, e in r.get("errors", {}).items()]
    if errors:
        out += ["Failed phases:", ""] + [f"- N = {n:,}, {k}: `{e}`" for n, k, e in errors] + [""]
    return out


def _load(values) -> str:
    return ", ".join(f"{x:.1f}" for x in values) if values else "–"


def _phase_table(runs) -> list[str]:
    out = ["### Phase times (s)", "", "| N | phase | seconds |", "|---|---|---|"]
    for r in runs:
        phases = r.get("phases", {})
        out += [f"| {r['n']:,} | {name} | {fmt(s)} |" for name, s in phases.items()]
        if phases:
            out.append(f"| {r['n']:,} | **all** | **{fmt(sum(phases.values()))}** |")
    return out + [""]


def ratio_tables(runs) -> list[str]:
    """Each of our figures beside its reference's: pages vs the ceiling, /sparql vs Oxigraph."""
    out = _section("Ratios: ours / reference",
                   "Throughput (req/s under wrk, 2 threads; 16 connections for pages, 4 for queries (full mode: runs of at least 10 s), "
                   "the machine left to go idle between query runs; higher is better) and p99 under that load "
                   "(lower is better). Pages: reference = the pre-serialized Flask ceiling. Queries: reference = "
                   "Oxigraph server on disk; 'cached' is /sparql as deployed (answers cached per build), 'uncached' "
                   "the same server with KOKEMUS_SPARQL_CACHE=false; 'vs memory' compares with Oxigraph in memory "
                   "(for information).")
    for r, s in _served(runs):
        out += [f"### N = {r['n']:,}", "", "| figure | ours req/s | reference req/s | ratio req/s | ours p99 ms | "
                "reference p99 ms | ratio p99 |", "|---|---|---|---|---|---|---|"]
        for label in targets.PAGES:
            out.append(_ratio_row(label, get(s, "ours", "pages", label), get(s, "ceiling", label)))
        for name in get(s, "ours", "sparql") or {}:
            disk = get(s, "oxigraph_disk", "sparql", name, "load")
            out.append(_ratio_row(f"{name}, cached", get(s, "ours", "sparql", name, "load"), disk))
            out.append(_ratio_row(f"{name}, uncached", get(s, "ours_uncached", "sparql", name, "load"), disk))
            memory = get(s, "oxigraph_memory", "sparql", name, "load")
            if memory:
                out.append(_ratio_row(f"{name}, cached vs memory", get(s, "ours", "sparql", name, "load"), memory))
        out.append("")
    return out


def _section(title: str, intro: str) -> list[str]:
    return [f"## {title}", "", intro, ""]


def _served(runs) -> list[tuple[dict, dict]]:
    return [(r, r["servers"]) for r in runs if r.get("servers")]


def _ratio_row(label, ours, ref) -> str:
    ours, ref = ours or {}, ref or {}
    return (f"| {label} | {fmt(ours.get('rps'))} | {fmt(ref.get('rps'))} | {ratio(ours.get('rps'), ref.get('rps'))} | "
            f"{fmt(ours.get('p99_ms'))} | {fmt(ref.get('p99_ms'))} | {ratio(ours.get('p99_ms'), ref.get('p99_ms'))} |")


def _build_table(runs) -> list[str]:
    out = ["## Build", "",
           "YAML -> validated, published dataset (`kokemus-ld build`, a fresh publish folder), then a rebuild after "
           "editing one entry's description. Peak MiB: the largest process of the build (wait4). The curve: seconds "
           "per 1,000 entries stays flat when the build grows linearly.", "",
           "| N | triples | documents | generate s | build s | s per 1,000 entries | curve | build peak MiB | "
           "rebuild after one edit s | rebuild peak MiB |", "|---|---|---|---|---|---|---|---|---|---|"]
    ok = [r for r in runs if get(r, "build", "build", "rc") == 0]
    widest = max((targets.per_thousand(r) for r in ok), default=1) or 1
    for r in runs:
        b = r.get("build", {})
        build = b.get("build") or {}
        if build.get("rc") != 0:
            why = f"stopped at its budget of {build['budget_s']:.0f} s" if build.get("timed_out") else \
                f"failed (rc {build.get('rc')}): {build.get('tail', '')[-200:]!r}"
            out.append(f"| {r['n']:,} | | | {fmt(b.get('generate_s'))} | {fmt(build.get('seconds'))} | {why} | | | | |")
            continue
        per_k = targets.per_thousand(r)
        rebuild = b.get("rebuild") or {}
        out.append(f"| {r['n']:,} | {b.get('triples') or 0:,} | {b.get('documents') or 0:,} | {fmt(b.get('generate_s'))} | "
                   f"{fmt(build['seconds'])} | {fmt(per_k, 2)} | `{'#' * max(1, round(20 * per_k / widest))}` | "
                   f"{fmt(build.get('peak_mib'), 0)} | {fmt(rebuild.get('seconds'), 2)} | {fmt(rebuild.get('peak_mib'), 0)} |")
    return out + [""]


def _query_tables(runs) -> list[str]:
    out = _section("SPARQL: the fixed queries (bench/queries/*.rq)",
                   "Latency: p50 / p99 ms of sequential requests (one keep-alive connection; in process: the "
                   "embedded store's query(), no HTTP). Throughput: req/s under load.")
    for r, s in _served(runs):
        ip = r.get("in_process")
        if not ip:
            continue
        out += [f"### N = {r['n']:,}", "",
                "| query | rows | in process p50/p99 | ours HTTP p50/p99 | uncached HTTP p50/p99 | Oxigraph disk p50/p99 | "
                "Oxigraph mem p50/p99 | ours req/s | uncached req/s | Oxigraph disk req/s | Oxigraph mem req/s |",
                "|---|---|---|---|---|---|---|---|---|---|---|"]
        for name, q in ip["queries"].items():
            cells = [get(s, key, "sparql", name) or {} for key in ("ours", "ours_uncached", "oxigraph_disk", "oxigraph_memory")]
            out.append(f"| {name} | {q['rows']:,} | {fmt(q['p50_ms'], 2)} / {fmt(q['p99_ms'], 2)} | " +
                       " | ".join(f"{fmt(c.get('p50_ms'))} / {fmt(c.get('p99_ms'))}" for c in cells) + " | " +
                       " | ".join(fmt(get(c, "load", "rps")) for c in cells) + " |")
        loads = [f"embedded (in process) {fmt(ip.get('load_s'), 2)} s",
                 f"Oxigraph on disk `oxigraph load` {fmt(get(s, 'oxigraph_disk', 'load', 'seconds'), 2)} s"]
        if "oxigraph_memory" in s:
            loads.append(f"Oxigraph in memory (POST /store) {fmt(get(s, 'oxigraph_memory', 'load', 'seconds'), 2)} s")
        out += ["", "Store load: " + "; ".join(loads) + ".", ""]
    return out


def _page_tables(runs) -> list[str]:
    out = _section("Pages and listings under gunicorn (workers = cores, --preload, gunicorn.conf.py)",
                   "req/s and p50 / p99 ms under load (2 threads, 16 connections, one URL, so answered from the page "
                   "cache after the first request; resource pages: the median of 3 runs, ours and the ceiling's, "
                   "all runs' req/s under the table); the ceiling is a minimal Flask app returning our own answers' "
                   "bytes, pre-serialized, under the same gunicorn settings. 'Distinct URLs': listings with facets, "
                   "search words and pages, each asked once, sequentially (every one computed).")
    for r, s in _served(runs):
        if not get(s, "ours", "pages"):
            continue
        out += [f"### N = {r['n']:,}", "", "| page | bytes | ours req/s | ours p50/p99 | ceiling req/s | "
                "ceiling p50/p99 | ratio (ours/ceiling) |", "|---|---|---|---|---|---|---|"]
        for label, page in s["ours"]["pages"].items():
            ceil = get(s, "ceiling", label) or {}
            out.append(f"| {label} | {page.get('bytes', 0):,} | {fmt(page.get('rps'))} | {fmt(page.get('p50_ms'))} / "
                       f"{fmt(page.get('p99_ms'))} | {fmt(ceil.get('rps'))} | {fmt(ceil.get('p50_ms'))} / "
                       f"{fmt(ceil.get('p99_ms'))} | {ratio(page.get('rps'), ceil.get('rps'))} |")
        out.append("")
        runs_seen = [f"{label}: ours {', '.join(fmt(x) for x in page['runs_rps'])}; ceiling "
                     f"{', '.join(fmt(x) for x in (get(s, 'ceiling', label) or {}).get('runs_rps', []))}"
                     for label, page in s["ours"]["pages"].items() if page.get("runs_rps")]
        if runs_seen:
            out.append("- Every run's req/s: " + " | ".join(runs_seen) + ".")
        first = get(s, "ours", "listing_first") or {}
        if first:
            out.append(f"- First listings after start, one per worker at once ({first.get('requests')} requests; "
                       f"{first.get('workers_busy')} of {first.get('workers')} workers seen building their listing "
                       f"index): slowest "
                       f"{fmt(first.get('slowest_ms'))} ms, fastest {fmt(first.get('fastest_ms'))} ms.")
        distinct = get(s, "ours", "listing_distinct") or {}
        out.append(f"- Listings at distinct URLs: {distinct.get('n', 0)} URLs, p50 {fmt(distinct.get('p50_ms'))} ms, "
                   f"p99 {fmt(distinct.get('p99_ms'))} ms, slowest {fmt(distinct.get('max_ms'))} ms, "
                   f"non-200 {distinct.get('non200', '–')}.")
        for label, x in (get(s, "ours", "listing_repeated") or {}).items():
            out.append(f"- {label}, same URL repeated, sequential: p50 {fmt(x.get('p50_ms'))} / p99 "
                       f"{fmt(x.get('p99_ms'))} ms.")
        out.append("")
    return out


def _memory_table(runs) -> list[str]:
    out = ["## Memory while serving", "",
           "MiB after the load runs: RSS / PSS now / peak RSS over the process's life (VmHWM). With --preload the "
           "workers share the master's pages copy-on-write, so PSS is each one's fair share; a worker's query "
           "child (a fork running users' SPARQL) is listed with it.", "",
           "| N | gunicorn master | each worker (+ its query children) | Oxigraph disk | Oxigraph mem |",
           "|---|---|---|---|---|"]
    for r in runs:
        tree = get(r, "servers", "ours", "memory")
        if not tree:
            continue
        workers = "; ".join(_mem(w) + "".join(f" + {_mem(c)}" for c in w.get("children", []))
                            for w in tree.get("children", []))
        ox = [_mem(get(r, "servers", k, "memory") or {}) for k in ("oxigraph_disk", "oxigraph_memory")]
        out.append(f"| {r['n']:,} | {_mem(tree)} | {workers} | {ox[0]} | {ox[1]} |")
    return out + [""]


def _mem(m: dict) -> str:
    return f"{fmt(m.get('rss'), 0)} / {fmt(m.get('pss'), 0)} / {fmt(m.get('peak'), 0)}" if m else "–"


OWN_SECTIONS = ("## Targets", "## Run", "## Ratios", "## Build", "## SPARQL", "## Pages", "## Memory")


def foreign_sections(old: str) -> str:
    """Sections of an existing report that other tools wrote (e.g. the soak test's), kept as they are."""
    kept, keep = [], False
    for line in old.splitlines():
        if line.startswith("## "):
            keep = not line.startswith(OWN_SECTIONS)
        if keep:
            kept.append(line)
    return "\n".join(kept).strip() + "\n" if kept else ""
