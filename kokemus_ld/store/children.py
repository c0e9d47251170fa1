"""Query children: pre-forked processes that answer a user's queries and can be killed.

pyoxigraph cannot interrupt a running query, so a user's query runs in a child process,
which the time limit really stops (SIGKILL). Forking for every query cost the fork and,
worse, the copy-on-write faults of the first query in a fresh child (a query writes
reference counts all over the store); a child that stays answers later queries warm. So
each worker process keeps a few children (`sparql_processes`) that hold the loaded store
copy-on-write and answer over a pair of pipes. A child that overruns the limit, dies or
belongs to a replaced build is killed; the next query forks a fresh one. When every child
is busy a query waits for one, for at most its own time limit, then gets a child of its own.

Forks come from a threaded worker (gunicorn gthread), under one lock. The child closes
every descriptor it does not need (a client socket held open by a child would never close),
restores default signal handling, and only reads the store and its pipes; should it
still hang on a lock another thread held at the fork, the time limit kills it and a fresh
child replaces it. A child also arms its own alarm past the limit, so it ends even if its
parent is gone.

A warm child's memory is its own: every page a query writes (reference counts, the
allocator's arenas) stops being shared with the worker. So a child whose private memory
has grown past `private_limit` is retired after its answer and the next query forks a
fresh one: the worker's memory stays bounded at the cost of an occasional fork.
"""

from __future__ import annotations

import gc
import os
import pickle
import select
import signal
import struct
import threading
import time

HEADER = struct.Struct("!Q")
CHILD_GRACE_SECONDS = 1.0  # a child's own alarm fires this long after the parent's limit
PRIVATE_LIMIT_BYTES = 1 << 30  # a warm child with more memory of its own than this is retired (N = 10,000: ~0.3 GiB)
# Reading a child's memory walks its page tables (smaps_rollup: 12.5 ms for a 0.5 GiB child at
# N = 10,000, ten times the query it follows), so it is read after every this many answers only.
MEMORY_CHECK_EVERY = 64
DEFAULT_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT, signal.SIGHUP, signal.SIGUSR1,
                   signal.SIGUSR2, signal.SIGWINCH, signal.SIGCHLD, signal.SIGABRT, signal.SIGALRM)


class Overrun(Exception):
    """The child did not answer within the time limit."""


class ChildGone(Exception):
    """The child died: before taking the request (`taken` False) or while answering it."""

    def __init__(self, taken: bool):
        super().__init__("the query process ended without an answer")
        self.taken = taken


class QueryChild:
    """One forked process answering `answer(request)` over pipes until it is killed."""

    def __init__(self, answer):
        requests_r, requests_w = os.pipe()
        answers_r, answers_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            _serve(answer, requests_r, answers_w)  # never returns
        os.close(requests_r)
        os.close(answers_w)
        self.pid, self._requests, self._answers = pid, requests_w, answers_r
        self.answered = 0

    def ask(self, request, timeout: float):
        """Send a request and wait at most `timeout` seconds for the answer (Overrun past it)."""
        deadline = time.monotonic() + timeout
        try:
            _write(self._requests, pickle.dumps((request, timeout), protocol=pickle.HIGHEST_PROTOCOL))
        except OSError:
            raise ChildGone(taken=False) from None
        data = _read(self._answers, None, deadline)
        if data is None:
            raise ChildGone(taken=True)
        self.answered += 1
        return pickle.loads(data)  # noqa: S301 - our own child wrote it

    def private_bytes(self) -> int:
        """Memory the child no longer shares with its parent (Linux smaps_rollup; 0 where unknown)."""
        try:
            with open(f"/proc/{self.pid}/smaps_rollup") as rollup:
                return sum(int(line.split()[1]) << 10 for line in rollup if line.startswith("Private_"))
        except (OSError, ValueError, IndexError):
            return 0

    def kill(self) -> None:
        """Stop the child whatever it is doing, and reap it."""
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass
        self.abandon()

    def abandon(self) -> None:
        """Close this process's ends of the pipes (in a forked copy of the owner, which must not kill)."""
        for fd in (self._requests, self._answers):
            try:
                os.close(fd)
            except OSError:
                pass


class QueryChildren:
    """A worker's pool of query children over one loaded store, forked on demand and reused."""

    def __init__(self, store, answer, size: int, private_limit: int = PRIVATE_LIMIT_BYTES):
        self.store = store  # what the children hold: a new build gets new children
        self._answer, self._size, self._private_limit = answer, max(1, size), private_limit
        self._idle: list[QueryChild] = []
        self._pooled = 0  # children of the pool, idle or busy
        self._closed = False
        self._ready = threading.Condition()
        self.pid = os.getpid()

    def run(self, request, timeout: float):
        """`answer(request)` in a child within `timeout` seconds; Overrun or ChildGone otherwise."""
        for attempt in (1, 2):
            child, pooled = self._take(timeout)
            try:
                result = child.ask(request, timeout)
            except ChildGone as exc:  # a child found dead before it took the request gets one retry
                self._discard(child, pooled)
                if exc.taken or attempt == 2:
                    raise
                continue
            except BaseException:
                self._discard(child, pooled)
                raise
            self._give_back(child, pooled)
            return result

    def idle_pids(self) -> list[int]:
        """Process ids of the children waiting for a query (for monitoring and tests)."""
        with self._ready:
            return [child.pid for child in self._idle]

    def close(self) -> None:
        """Kill the idle children now and the busy ones when they finish (a new build replaces them)."""
        with self._ready:
            self._closed = True
            idle, self._idle = self._idle, []
            self._ready.notify_all()
        for child in idle:
            child.kill()

    def abandon(self) -> None:
        """Forget children inherited from the process that forked this one (they are not ours to kill)."""
        for child in self._idle:
            child.abandon()
        self._idle = []

    def _take(self, wait: float) -> tuple[QueryChild, bool]:
        with self._ready:
            deadline = time.monotonic() + wait
            while not self._idle and self._pooled >= self._size and not self._closed:
                remaining = deadline - time.monotonic()
                if remaining <= 0:  # all busy past a whole time limit: this query gets its own child
                    return self._fork(), False
                self._ready.wait(remaining)
            if self._idle:
                return self._idle.pop(), True
            if self._closed:
                return self._fork(), False
            child = self._fork()
            self._pooled += 1
            return child, True

    def _fork(self) -> QueryChild:
        # Under the pool's lock: one fork at a time, and the child closes what it inherits.
        return QueryChild(self._answer)

    def _give_back(self, child: QueryChild, pooled: bool) -> None:
        if pooled and (child.answered - 1) % MEMORY_CHECK_EVERY == 0 and child.private_bytes() > self._private_limit:
            self._discard(child, pooled)  # grown too big: the next query forks a fresh one
            return
        if not pooled:
            child.kill()
            return
        with self._ready:
            if not self._closed:
                self._idle.append(child)
                self._ready.notify()
                return
            self._pooled -= 1
        child.kill()

    def _discard(self, child: QueryChild, pooled: bool) -> None:
        child.kill()
        if pooled:
            with self._ready:
                self._pooled -= 1
                self._ready.notify()


# -- the child's side ------------------------------------------------------------------------

def _serve(answer, requests: int, answers: int) -> None:
    """The child's loop: read a request, answer it, write the answer; leave when the parent goes."""
    try:
        _close_inherited(requests, answers)
        for sig in DEFAULT_SIGNALS:
            signal.signal(sig, signal.SIG_DFL)
        gc.disable()  # a collection would write to every inherited object's page; nothing here makes cycles
        while True:
            data = _read(requests, None, None)
            if data is None:
                break
            request, timeout = pickle.loads(data)  # noqa: S301 - our own parent wrote it
            signal.setitimer(signal.ITIMER_REAL, timeout + CHILD_GRACE_SECONDS)  # SIGALRM ends us
            result = answer(request)
            signal.setitimer(signal.ITIMER_REAL, 0)
            _write(answers, pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
    finally:
        os._exit(0)


def _close_inherited(*keep: int) -> None:
    """Close every descriptor but stdio and `keep` (sockets, other children's pipes)."""
    low = 3
    for fd in sorted(keep):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, os.sysconf("SC_OPEN_MAX"))


# -- framing: an 8-byte length, then the pickle ----------------------------------------------

def _write(fd: int, data: bytes) -> None:
    view = memoryview(HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view):]


def _read(fd: int, size: int | None, deadline: float | None) -> bytes | None:
    """`size` bytes (or one framed message when None) by `deadline`; None at end of file."""
    if size is None:
        header = _read(fd, HEADER.size, deadline)
        return None if header is None else _read(fd, HEADER.unpack(header)[0], deadline)
    chunks, need = [], size
    poll = select.poll()  # not select(): a busy worker's descriptors may pass FD_SETSIZE
    poll.register(fd, select.POLLIN)
    while need:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not poll.poll(remaining * 1000):
                raise Overrun()
        chunk = os.read(fd, min(need, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        need -= len(chunk)
    return b"".join(chunks)
