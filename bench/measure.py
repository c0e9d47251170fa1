"""Measuring tools for the benchmark: timed child processes, servers on loopback, load.

Every load run is bounded in time (wrk `-d`, or the Python fallback's deadline) and talks
only to 127.0.0.1.
"""

from __future__ import annotations

import atexit
import concurrent.futures
import http.client
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by nearest rank; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, int(round(q / 100 * len(ordered) + 0.5)) - 1))
    return ordered[rank]


def run_timed(cmd: list[str], env: dict | None = None, timeout: float = 7200) -> dict:
    """Run a command within a time budget: wall seconds, peak RSS (MiB, from wait4: the largest
    process of its tree), exit code; past the budget its whole process group is killed and the
    result says `timed_out` (a slow build is a figure, not a hung run)."""
    log = tempfile.TemporaryFile()  # a file, not a pipe: a chatty child must never block on a full pipe
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = start + timeout
    timed_out = False
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            timed_out = True
            _kill_group(proc.pid)
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.05)
    wall = time.perf_counter() - start
    _kill_group(proc.pid)  # a process pool's stray children, if any
    proc.returncode = os.waitstatus_to_exitcode(status)
    log.seek(0)
    tail = log.read().decode("utf-8", "replace")[-600:]
    log.close()
    return {"seconds": wall, "peak_mib": usage.ru_maxrss / 1024, "rc": proc.returncode, "tail": tail,
            "timed_out": timed_out, "budget_s": timeout}


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A server process on 127.0.0.1 and its base URL."""

    name: str
    proc: subprocess.Popen
    url: str

    def stop(self) -> None:
        """Terminate it and its process group (workers, query children), killing what lingers."""
        self._signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass
        self._signal(signal.SIGKILL)  # whatever outlived its parent in the group
        self.proc.wait()

    def _signal(self, sig: int) -> None:
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass

    def memory(self) -> dict:
        """Memory (MiB) of the server process and, nested, of its children (gunicorn workers and
        their query children)."""
        return memory_tree(self.proc.pid)


_started: list[subprocess.Popen] = []  # every server started, ended at exit whatever ended the run


@atexit.register
def _stop_started() -> None:
    for proc in _started:
        if proc.poll() is None:
            Server("", proc, "").stop()


def memory_tree(pid: int) -> dict:
    """RSS, PSS and peak RSS of a process, with its children's under "children"."""
    return dict(_memory(pid), pid=pid, children=[memory_tree(child) for child in children(pid)])


def start_server(name: str, cmd: list[str], port: int, probe: str, env: dict | None = None,
                 cwd: str | None = None, timeout: float = 600) -> Server:
    """Start a server and wait until `probe` (a path) answers 2xx."""
    log = tempfile.TemporaryFile()  # never a pipe: a server logging under load would block on it
    # its own process group, so stopping it (or this run being killed) ends its workers too
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    _started.append(proc)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url + probe, timeout=5) as r:
                r.read()
            return Server(name, proc, url)
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                Server(name, proc, url).stop()
                log.seek(0)
                raise RuntimeError(f"{name} did not start: " + log.read().decode("utf-8", "replace")[-1500:])
            time.sleep(0.2)


def children(pid: int) -> list[int]:
    """Child processes of a process, forked by any of its threads (a gunicorn master's workers,
    a threaded worker's query children)."""
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found += [int(p) for p in f.read().split()]
    except OSError:
        pass
    return sorted(set(found))


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def _memory(pid: int) -> dict:
    """RSS and PSS now (smaps_rollup) and the peak RSS over the process's life (VmHWM), MiB."""
    out = {}
    for name, keys in (("smaps_rollup", ("Rss", "Pss")), ("status", ("VmHWM",))):
        try:
            with open(f"/proc/{pid}/{name}") as f:
                for line in f:
                    key, _, rest = line.partition(":")
                    if key in keys:
                        out["peak" if key == "VmHWM" else key.lower()] = int(rest.split()[0]) / 1024
        except OSError:
            pass
    return out


def attempt(measure, *args, **kwargs) -> dict:
    """Run one measurement; a failure (timeout, refused) is recorded, not fatal to the run."""
    try:
        return measure(*args, **kwargs)
    except (OSError, http.client.HTTPException, subprocess.SubprocessError) as exc:
        return {"error": f"{type(exc).__name__}: {exc}", "rps": float("nan"), "p50_ms": float("nan"),
                "p99_ms": float("nan")}


def fetch(url: str, headers: dict | None = None, timeout: float = 60) -> tuple[int, bytes, dict]:
    """One GET: status, body and headers."""
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read(), dict(r.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


def sequential_latency(url: str, headers: dict | None = None, budget: float = 3.0,
                       max_reps: int = 200, min_reps: int = 3) -> dict:
    """p50/p99 (ms) of one request repeated on one keep-alive connection, within a time budget
    (at least `min_reps` requests unless they take three budgets; one request at most 60 s)."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    path = parts.path + ("?" + parts.query if parts.query else "")
    times, status, size = [], None, 0
    for _ in _repetitions(budget, max_reps, min_reps):
        start = time.perf_counter()
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        body = resp.read()
        times.append((time.perf_counter() - start) * 1000)
        status, size = resp.status, len(body)
    conn.close()
    return {"p50_ms": percentile(times, 50), "p99_ms": percentile(times, 99), "n": len(times),
            "status": status, "bytes": size}


def distinct_latency(base: str, paths: list[str], budget: float = 30.0) -> dict:
    """p50/p99 (ms) of different URLs, each asked once (nothing answered from a cache), in order
    until the budget runs out; statuses other than 200 are counted."""
    parts = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    times, bad = [], 0
    end = time.perf_counter() + budget
    for path in paths:
        if time.perf_counter() > end:
            break
        start = time.perf_counter()
        conn.request("GET", path)
        resp = conn.getresponse()
        resp.read()
        times.append((time.perf_counter() - start) * 1000)
        bad += resp.status != 200
    conn.close()
    return {"p50_ms": percentile(times, 50), "p99_ms": percentile(times, 99), "max_ms": max(times, default=float("nan")),
            "n": len(times), "non200": bad}


def in_process_latency(run, budget: float = 3.0, max_reps: int = 200, min_reps: int = 3) -> dict:
    """p50/p99 (ms) of a callable repeated within a time budget."""
    times = []
    for _ in _repetitions(budget, max_reps, min_reps):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return {"p50_ms": percentile(times, 50), "p99_ms": percentile(times, 99), "n": len(times)}


def _repetitions(budget: float, max_reps: int, min_reps: int):
    """Yield until the budget is spent and `min_reps` are done, never past three budgets."""
    start = time.perf_counter()
    done = 0
    while done < max_reps:
        spent = time.perf_counter() - start
        if done and (spent > 3 * budget or (done >= min_reps and spent > budget)):
            return
        yield done
        done += 1


_WRK_LAT = re.compile(r"^\s*(50|99)(?:\.000)?%\s+([\d.]+)(us|ms|s)\s*$", re.M)
_UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def load(url: str, seconds: float, connections: int = 16, threads: int = 2, headers: dict | None = None) -> dict:
    """Throughput and latency under load: wrk when installed, else a Python thread pool."""
    if shutil.which("wrk"):
        cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, int(seconds))}s", "--latency",
               "--timeout", "30s"]
        for k, v in (headers or {}).items():
            cmd += ["-H", f"{k}: {v}"]
        out = subprocess.run(cmd + [url], capture_output=True, text=True, timeout=seconds + 60).stdout
        rps = re.search(r"Requests/sec:\s*([\d.]+)", out)
        lat = {m.group(1): float(m.group(2)) * _UNIT[m.group(3)] for m in _WRK_LAT.finditer(out)}
        errors = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", out)
        return {"tool": "wrk", "rps": float(rps.group(1)) if rps else 0.0, "p50_ms": lat.get("50", float("nan")),
                "p99_ms": lat.get("99", float("nan")), "non2xx": int(errors.group(1)) if errors else 0}
    return _python_load(url, seconds, connections, headers)


def steady_load(url: str, seconds: float, runs: int = 3, **kwargs) -> dict:
    """`load` run `runs` times: the run of median throughput, with every run's req/s. One run on
    this shared 2-core machine was off by 2x (the ceiling's HTML page: 1,112 and 2,264 req/s in
    two full runs), and a ratio of two single runs inherits both errors."""
    results = sorted((load(url, seconds, **kwargs) for _ in range(runs)), key=lambda r: r["rps"])
    return dict(results[len(results) // 2], runs_rps=[r["rps"] for r in results])


def _python_load(url: str, seconds: float, connections: int, headers: dict | None) -> dict:
    parts = urllib.parse.urlsplit(url)
    path = parts.path + ("?" + parts.query if parts.query else "")
    deadline = time.perf_counter() + seconds

    def worker():
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        times, bad = [], 0
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            conn.request("GET", path, headers=headers or {})
            resp = conn.getresponse()
            resp.read()
            times.append((time.perf_counter() - start) * 1000)
            bad += resp.status >= 400
        conn.close()
        return times, bad

    with concurrent.futures.ThreadPoolExecutor(connections) as pool:
        results = list(pool.map(lambda _: worker(), range(connections)))
    times = [t for ts, _ in results for t in ts]
    return {"tool": "python", "rps": len(times) / seconds, "p50_ms": percentile(times, 50),
            "p99_ms": percentile(times, 99), "non2xx": sum(b for _, b in results)}


def machine() -> dict:
    """What the numbers were measured on."""
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "?")
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"nproc": os.cpu_count(), "memory_gib": round(mem, 1), "cpu": cpu, "kernel": platform.release(),
            "load_average": os.getloadavg()}


def median(values):
    """Median or NaN."""
    return statistics.median(values) if values else float("nan")
