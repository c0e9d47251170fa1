"""Where SHACL validation time goes: seconds per shape for one data folder.

    python bench/profile_validation.py DATA_DIR [--shapes SHAPES_DIR]

Times each top-level `pyshacl` shape evaluation (targets, then every constraint over
every focus node) by wrapping `pyshacl.shape.Shape.validate`, then prints the stages of
`check()` (read, map, validate) and the slowest shapes.
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
from pathlib import Path

import pyshacl.shape

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from kokemus_ld.build.dataset import load_shapes, load_vocabulary  # noqa: E402
from kokemus_ld.build.entries import read_data  # noqa: E402
from kokemus_ld.build.mapping import map_entries  # noqa: E402
from kokemus_ld.build.validation import validate  # noqa: E402
from kokemus_ld.config import Settings  # noqa: E402
from kokemus_ld.vocab import vocab  # noqa: E402


def shape_timer() -> collections.Counter:
    """Patch pyshacl so each outermost shape evaluation adds its seconds to a counter."""
    seconds: collections.Counter = collections.Counter()
    original, depth = pyshacl.shape.Shape.validate, [0]

    def timed(self, *args, **kwargs):
        depth[0] += 1
        start = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            depth[0] -= 1
            if depth[0] == 0:
                seconds[str(self.node).rsplit("#", 1)[-1]] += time.perf_counter() - start

    pyshacl.shape.Shape.validate = timed
    return seconds


def main(argv=None) -> int:
    """Print stage times and the slowest shapes for one data folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--shapes", type=Path)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args(argv)
    settings = Settings(data_dir=str(args.data), **({"shapes_dir": str(args.shapes)} if args.shapes else {}))
    seconds = shape_timer()
    stages = {}
    start = time.perf_counter()
    vocabulary = load_vocabulary(settings)
    stages["vocabulary"] = time.perf_counter() - start
    start = time.perf_counter()
    files = read_data(args.data, vocabulary.concepts, label=args.data.name)
    stages["read YAML"] = time.perf_counter() - start
    start = time.perf_counter()
    data, where = map_entries(files, vocab(settings.base_iri))
    stages["map to RDF"] = time.perf_counter() - start
    shapes = load_shapes(settings)
    start = time.perf_counter()
    report = validate(data, shapes, vocabulary.graph, where)
    stages["validate (pyshacl)"] = time.perf_counter() - start
    print(f"{len(files)} files, {len(data)} data triples, {len(report.problems)} problems "
          f"({report.count('violation')} violations)")
    for stage, secs in stages.items():
        print(f"  {stage:<20} {secs:8.2f} s")
    print("slowest shapes:")
    for shape, secs in seconds.most_common(args.top):
        print(f"  {secs:8.2f} s  {shape}")
    for p in report.problems[:10]:
        print("  ", p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
