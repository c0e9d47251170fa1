"""What the previous build computed, reused for the inputs that did not change.

Values live in an append-only pack beside the builds (`<publish>/cache/values.<n>.pack`),
each pickled on its own under the content hash of its input. A build's folder holds only
its index (`cache.index.pickle`: per section, key -> where the value lies and its CRC), so a
rebuild after one edit appends the few values it computed and writes an index, where it
rewrote the whole cache before (300 MB at N = 10,000). The next build opens the published
build's index and reads just the values it asks for. What the index no longer names is
garbage: when a pack has grown to twice what the index uses, the live values are copied to
a new pack and the old ones deleted.

Every index is stamped with a fingerprint of the code, the shapes, the vocabulary and the
settings that shape the output: when any of them changes, nothing is reused. A missing,
unreadable or foreign index, or a damaged value (its CRC is checked), only means more work,
never a skipped check: a key is the hash of everything its value depends on.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import pickle
import time
import zlib
from collections import Counter
from importlib.metadata import version
from pathlib import Path

from ..config import Settings

INDEX_NAME = "cache.index.pickle"  # in each build's folder
PACKS_DIR = "cache"  # in the publish folder
PACK_PREFIX, PACK_SUFFIX = "values.", ".pack"
LOCK_NAME = ".lock"
SLACK = 64 << 20  # garbage a pack may carry beyond its live values before it is compacted
_CODE = Path(__file__).resolve().parent.parent  # the kokemus_ld package


def fingerprint(settings: Settings) -> str:
    """The hash of everything every cached value depends on besides its own input."""
    h = hashlib.sha256()
    libraries = [version(name) for name in ("rdflib", "pyshacl", "pyoxigraph", "PyYAML")]
    h.update(repr((settings.base_iri, settings.license, libraries)).encode())
    for folder in (_CODE / "build", _CODE / "vocab.py", Path(settings.shapes_dir), Path(settings.ontology_dir)):
        paths = sorted(folder.rglob("*")) if folder.is_dir() else [folder]
        for path in paths:
            if path.is_file() and path.suffix in (".py", ".ttl"):
                h.update(str(path.relative_to(folder.parent)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def digest(*parts) -> str:
    """A content hash of a few strings or bytes (the key of a cached value).

    Hashed as one string, each part ended by a NUL: the same hash as one update per part, at a
    fraction of the calls (a rebuild makes ~36,000 keys at N = 10,000); parts that are all
    strings are joined before they are encoded (the same bytes, without a loop in Python)."""
    try:
        joined = ("\0".join(parts) + "\0").encode() if parts else b""
    except TypeError:  # bytes or numbers among them
        joined = b"".join((p if isinstance(p, bytes) else str(p).encode()) + b"\0" for p in parts)
    return hashlib.sha256(joined).hexdigest()


class BuildCache:
    """The previous build's cache (read) and this build's (written): one dict per section.

    A value looked up and reused keeps its place in the pack; `keep` carries a value forward
    without reading it at all (a document's N-Quads, needed only if its dump block changes).
    Values are not changed after `get` or `put` (a reused value's place must stay true)."""

    def __init__(self, previous: Path | None, stamp: str, packs: Path):
        self.stamp, self.previous, self.packs = stamp, previous, packs
        self._pack: str | None = None  # the pack the previous index points into
        self._sections: dict[str, dict[str, tuple]] | None = None  # its index: key -> (offset, length, crc)
        self._reader = None
        self.new: dict[str, dict] = {}
        self.kept: dict[str, dict[str, tuple]] = {}  # per section: key -> (a reused value or None, its place)
        self.hits: Counter = Counter()  # per section: values reused / computed anew
        self.misses: Counter = Counter()

    def _index(self) -> dict[str, dict[str, tuple]]:
        if self._sections is None:
            self._sections = {}
            try:
                with open(self.previous / INDEX_NAME, "rb") as fh:  # type: ignore[operator]
                    stamp, pack, sections = pickle.load(fh)  # noqa: S301 - our own build folder, written below
                if stamp == self.stamp and isinstance(sections, dict):
                    self._reader = open(self.packs / pack, "rb")  # noqa: SIM115 - kept open for reads
                    self._pack, self._sections = pack, sections
            except Exception:  # noqa: BLE001 - anything wrong with an index or its pack means: recompute
                pass
        return self._sections

    def get(self, name: str, key: str):
        """A value computed before (kept for the next build), or None."""
        value = self.new.get(name, {}).get(key)
        if value is None:
            place = self._index().get(name, {}).get(key)
            value = self._read(place)
            if value is not None:
                self.put(name, key, value)
                self.kept.setdefault(name, {})[key] = (value, place)
        (self.hits if value is not None else self.misses)[name] += 1
        return value

    def keep(self, name: str, key: str) -> bool:
        """Carry a previous value forward unread (False if there is none)."""
        if key in self.new.get(name, {}):
            return True
        place = self._index().get(name, {}).get(key)
        if place is not None:
            self.kept.setdefault(name, {})[key] = (None, place)
        return place is not None

    def _raw(self, place: tuple | None) -> bytes | None:
        if place is None or self._reader is None:
            return None
        offset, length, crc = place
        raw = os.pread(self._reader.fileno(), length, offset)
        return raw if len(raw) == length and zlib.crc32(raw) == crc else None

    def _read(self, place: tuple | None):
        try:
            raw = self._raw(place)
            return None if raw is None else pickle.loads(raw)  # noqa: S301 - as in _index
        except Exception:  # noqa: BLE001 - a damaged value is a miss
            return None

    def put(self, name: str, key: str, value) -> None:
        """Remember a value for the next build."""
        self.new.setdefault(name, {})[key] = value

    def reuse(self, name: str) -> "Reuse":
        """A dict view of one section for code that looks values up and fills misses itself."""
        return Reuse(self, name)

    def save(self, build_dir: Path) -> None:
        """Append this build's new values to the pack and write its index into its folder (before the
        build is published). Under a lock: builds running at once append one at a time."""
        self.packs.mkdir(parents=True, exist_ok=True)
        with open(self.packs / LOCK_NAME, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            packs = sorted(self.packs.glob(f"{PACK_PREFIX}*{PACK_SUFFIX}"))
            pack = packs[-1].name if packs else _pack_name()
            live = sum(place[1] for entries in self.kept.values() for _v, place in entries.values())
            if packs and packs[-1].stat().st_size > 2 * live + SLACK:
                pack = _pack_name()  # compact: the live values to a new pack, the old packs deleted
            sections = self._append(self.packs / pack, copy_kept=pack != self._pack)
            with open(build_dir / INDEX_NAME, "wb") as fh:
                pickle.dump((self.stamp, pack, sections), fh, protocol=pickle.HIGHEST_PROTOCOL)
            if packs and pack != packs[-1].name:  # compacted: the new pack holds every live value
                for old in packs:
                    old.unlink(missing_ok=True)

    def _append(self, path: Path, copy_kept: bool) -> dict[str, dict[str, tuple]]:
        """Write the values the pack lacks at its end; every value's place."""
        sections: dict[str, dict[str, tuple]] = {}
        with open(path, "ab") as out:
            position = out.seek(0, os.SEEK_END)

            def append(raw: bytes) -> tuple:
                nonlocal position
                out.write(raw)
                position += len(raw)
                return position - len(raw), len(raw), zlib.crc32(raw)

            for name in sorted(set(self.new) | set(self.kept)):
                kept, placed = self.kept.get(name, {}), sections.setdefault(name, {})
                for key, (value, place) in kept.items():
                    if key in self.new.get(name, {}) and self.new[name][key] is not value:
                        continue  # put anew after it was read: written below
                    raw = self._raw(place) if copy_kept else None
                    if not copy_kept:
                        placed[key] = place
                    elif raw is not None:
                        placed[key] = append(raw)
                for key, value in self.new.get(name, {}).items():
                    if key not in placed:
                        placed[key] = append(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
            out.flush()
            os.fsync(out.fileno())
        return sections


def _pack_name() -> str:
    return f"{PACK_PREFIX}{time.time_ns():020d}{PACK_SUFFIX}"


class Reuse:
    """A section as a mapping: what is looked up and found, or stored, is kept for the next build."""

    def __init__(self, cache: BuildCache, name: str):
        self.cache, self.name = cache, name

    def get(self, key, default=None):
        """The value of the previous build (or of this one), kept; else `default`."""
        value = self.cache.get(self.name, key)
        return default if value is None else value

    def __setitem__(self, key, value) -> None:
        self.cache.put(self.name, key, value)


def open_cache(settings: Settings) -> BuildCache:
    """The published build's cache under this code's and these inputs' fingerprint."""
    try:
        previous = settings.current_dir.resolve(strict=True)
    except OSError:
        previous = None
    return BuildCache(previous, fingerprint(settings), Path(settings.publish_dir) / PACKS_DIR)
