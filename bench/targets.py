"""Issue 6's targets, each judged from the saved figures: measured value, met or missed, by how much.

Pages, SPARQL, build and listing are judged at N = 10,000, memory at N = 50,000; when that N
was not measured (the quick mode) the largest measured N stands in and the table says so.
"""

from __future__ import annotations

import math

TARGET_N = 10_000
MEMORY_N = 50_000
PAGES = ("activity HTML", "activity Turtle", "activity JSON-LD")


def get(d, *keys):
    """d[k1][k2]...; None where a step is missing (a partial run)."""
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


def num(x) -> float | None:
    """A usable number or None (NaN and missing alike)."""
    if x is None or isinstance(x, bool) or not isinstance(x, (int, float)) or math.isnan(x):
        return None
    return float(x)


def at_most(value, limit) -> tuple[str, str]:
    """Verdict and margin of 'value < limit'."""
    if num(value) is None:
        return "not measured", "–"
    if value < limit:
        return "met", f"at {value / limit:.2f}x the limit"
    return "missed", f"{value / limit:.2f}x the limit"


def at_least(value, goal) -> tuple[str, str]:
    """Verdict and margin of 'value >= goal'."""
    if num(value) is None:
        return "not measured", "–"
    if value >= goal:
        return "met", f"{value / goal:.2f}x the goal"
    return "missed", f"at {value / goal:.2f}x the goal (needs {goal / value:.1f}x more)" if value else "at 0"


def pick(by_n: dict, wanted: int, has) -> int | None:
    """The N to judge at: `wanted` if it has the figure, else the largest N that has it."""
    if wanted in by_n and has(by_n[wanted]):
        return wanted
    sizes = [n for n in sorted(by_n) if has(by_n[n])]
    return sizes[-1] if sizes else None


def rows(runs: list[dict]) -> list[tuple[str, str, str, str, str]]:
    """(target, N, measured, verdict, margin) for every target of the issue."""
    by_n = {r["n"]: r for r in runs}
    out = []

    def add(target, n, measured, verdict_margin):
        where = "–" if n is None else f"{n:,}" + ("" if n in (TARGET_N, MEMORY_N) else " (stand-in)")
        out.append((target, where, measured, *verdict_margin))

    served = pick(by_n, TARGET_N, lambda r: get(r, "servers", "ours", "pages"))
    s = get(by_n.get(served), "servers") or {}
    for label in PAGES:
        ours, ceil = get(s, "ours", "pages", label, "rps"), get(s, "ceiling", label, "rps")
        q = num(ours) / num(ceil) if num(ours) and num(ceil) else None
        add(f"{label}: throughput >= 0.8x the pre-serialized Flask ceiling", served,
            f"{fmt(q, 2)}x ({fmt(ours)} vs {fmt(ceil)} req/s)", at_least(q, 0.8))
        p99 = num(get(s, "ours", "pages", label, "p99_ms"))
        add(f"{label}: p99 under load < 50 ms", served, f"{fmt(p99)} ms", at_most(p99, 50))
    for label, key, goal in (("SPARQL, repeated queries (answer cache on): >= 1.0x Oxigraph on disk", "ours", 1.0),
                             ("SPARQL, answer cache off: >= 0.5x Oxigraph on disk", "ours_uncached", 0.5)):
        ratios = sparql_ratios(s, key)
        if not ratios:
            add(label, served, "not measured", ("not measured", "–"))
            continue
        worst = min(ratios, key=ratios.get)
        add(label, served, f"worst {worst} {times(ratios[worst])}; " + ", ".join(f"{k} {times(x)}" for k, x in ratios.items()),
            at_least(ratios[worst], goal))
    listing = get(s, "ours", "listing_distinct")
    add("listing with facets and search: p99 < 100 ms (distinct URLs, none cached)", served,
        f"p99 {fmt(get(listing, 'p99_ms'))} ms, p50 {fmt(get(listing, 'p50_ms'))} ms over {get(listing, 'n') or 0} URLs",
        at_most(num(get(listing, "p99_ms")), 100))
    for label in ("listing with facet", "listing with search"):
        p99 = num(get(s, "ours", "pages", label, "p99_ms"))
        add(f"{label}: p99 under load < 100 ms (same URL)", served, f"{fmt(p99)} ms", at_most(p99, 100))
    build_rows(by_n, add)
    big = pick(by_n, MEMORY_N, lambda r: get(r, "servers", "ours", "memory", "children"))
    workers = get(by_n.get(big), "servers", "ours", "memory", "children") or []
    peak = max((num(p.get("peak")) or 0 for w in workers for p in [w, *w.get("children", [])]), default=None)
    add("serving: peak memory per worker < 2 GiB", big, "; ".join(worker_memory(w) for w in workers) or "not measured",
        at_most(peak, 2048))
    return out


def build_rows(by_n: dict, add) -> None:
    """Build time, rebuild time and the growth of build time with N."""
    ok = {n: r for n, r in by_n.items() if get(r, "build", "build", "rc") == 0}
    n = pick(by_n, TARGET_N, lambda r: get(r, "build", "build", "seconds") is not None)
    b = get(by_n.get(n), "build", "build") or {}
    note = f" (stopped at its budget of {b['budget_s']:.0f} s)" if b.get("timed_out") else ""
    verdict = at_most(num(b.get("seconds")), 60)
    if b.get("timed_out") and verdict[0] == "met":  # stopped early: its time is only a lower bound
        verdict = ("not measured", "stopped before the limit")
    add("build, validation included: < 60 s", n, f"{fmt(b.get('seconds'))} s{note}", verdict)
    m = pick(by_n, TARGET_N, lambda r: get(r, "build", "rebuild", "rc") == 0)
    rebuild = num(get(by_n.get(m), "build", "rebuild", "seconds"))
    add("incremental rebuild after one edited entry: < 3 s", m, f"{fmt(rebuild, 2)} s", at_most(rebuild, 3))
    curve = sorted(ok)
    per_k = ", ".join(f"{k:,}: {fmt(ok[k]['build']['build']['seconds'])} s ({fmt(per_thousand(ok[k]), 2)} s/1,000)"
                      for k in curve)
    if len(curve) < 2:
        add("build time grows no worse than linearly in N", None, per_k or "fewer than two sizes built",
            ("not measured", "–"))
        return
    lo, hi = ok[curve[-2]], ok[curve[-1]]
    exponent = math.log(hi["build"]["build"]["seconds"] / lo["build"]["build"]["seconds"]) / math.log(hi["n"] / lo["n"])
    verdict = ("met", f"time ~ N^{exponent:.2f} from {lo['n']:,} to {hi['n']:,}") if exponent <= 1.1 else \
        ("missed", f"time ~ N^{exponent:.2f} from {lo['n']:,} to {hi['n']:,}")
    add("build time grows no worse than linearly in N", hi["n"], per_k, verdict)


def worker_memory(w: dict) -> str:
    """One worker's peak, RSS and PSS (MiB), with its query children's."""
    kids = w.get("children", [])
    text = f"worker peak {fmt(w.get('peak'), 0)} MiB (RSS {fmt(w.get('rss'), 0)}, PSS {fmt(w.get('pss'), 0)})"
    if kids:
        text += ", query child peak " + ", ".join(fmt(c.get("peak"), 0) for c in kids) + \
            f" (PSS with them {fmt(sum(num(x.get('pss')) or 0 for x in [w, *kids]), 0)})"
    return text


def per_thousand(run: dict) -> float:
    """Build seconds per 1,000 entries."""
    return run["build"]["build"]["seconds"] / run["n"] * 1000


def sparql_ratios(servers: dict, key: str) -> dict:
    """Throughput of each query, ours / Oxigraph on disk; a reference that answered nothing counts as beaten."""
    out = {}
    for name, ours in (get(servers, key, "sparql") or {}).items():
        mine, theirs = num(get(ours, "load", "rps")), num(get(servers, "oxigraph_disk", "sparql", name, "load", "rps"))
        if mine is None:
            out[name] = 0.0
        elif not theirs:
            out[name] = float("inf") if mine else 0.0
        else:
            out[name] = mine / theirs
    return out


def times(x: float) -> str:
    """A ratio as '0.42x'; infinite when the reference answered nothing within the load run."""
    return "∞ (the reference answered none)" if math.isinf(x) else f"{x:.2f}x"


def fmt(x, digits=1) -> str:
    """A number for a table; '–' for missing."""
    x = num(x)
    return "–" if x is None else f"{x:,.{digits}f}"


def table(runs: list[dict]) -> list[str]:
    """The Targets section."""
    out = ["## Targets (issue 6)", "",
           f"Judged at N = {TARGET_N:,} (memory at N = {MEMORY_N:,}); '(stand-in)' marks a figure taken at the "
           "largest N measured when that N was not (quick mode: indicative only).", "",
           "| target | N | measured | verdict | by how much |", "|---|---|---|---|---|"]
    out += [f"| {' | '.join(row)} |" for row in rows(runs)]
    for r in runs:
        first = get(r, "servers", "ours", "listing_first")
        if first:
            out += ["", f"Not a target, but felt: at N = {r['n']:,} the first listing a worker serves after a start "
                    f"took up to {fmt(first.get('slowest_ms'))} ms (the worker builds its listing index)."]
    return out + [""]
