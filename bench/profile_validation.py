"""Where SHACL validation time goes: CPU seconds per shape for one data folder.

    python bench/profile_validation.py DATA_DIR [--shapes SHAPES_DIR] [--top N] [--cprofile OUT]

Validates the folder's whole graph (data + vocabulary) in process, as one shard would be,
with the build's own `Shapes` (parsed once, warmed on the vocabulary first so parsing is
not counted) and times each top-level `pyshacl` shape evaluation (targets, then every
constraint over every focus node) by wrapping `pyshacl.shape.Shape.validate`. Prints the
stages (read, map, validate), the shapes grouped by family (the generated text checks by
topic, the closed-list "-scheme" shapes, the SPARQL-targeted ones) and the slowest shapes.
CPU time of this process (validation is single-threaded), so a busy machine skews it less
than wall time. With --cprofile, the validation's cProfile statistics are written to OUT.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import sys
import time
from pathlib import Path

import pyshacl.shape

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from kokemus_ld.build.dataset import load_shapes, load_vocabulary  # noqa: E402
from kokemus_ld.build.entries import read_data  # noqa: E402
from kokemus_ld.build.mapping import map_entries  # noqa: E402
from kokemus_ld.build.validation import Shapes, data_graph, report  # noqa: E402
from kokemus_ld.config import Settings  # noqa: E402
from kokemus_ld.vocab import vocab  # noqa: E402

TEXT_TOPICS = {"Placeholder", "Email", "Phone", "MailtoLink", "TelLink", "SpaceAfterStop", "EdgeWhitespace",
               "NamedActor"}  # shapes/make_text_checks.py's topics, and the name heuristic beside them


def shape_timer() -> collections.Counter:
    """Patch pyshacl so each outermost shape evaluation adds its CPU seconds to a counter."""
    seconds: collections.Counter = collections.Counter()
    original, depth = pyshacl.shape.Shape.validate, [0]

    def timed(self, *args, **kwargs):
        depth[0] += 1
        start = time.process_time()
        try:
            return original(self, *args, **kwargs)
        finally:
            depth[0] -= 1
            if depth[0] == 0:
                seconds[str(self.node).rsplit("#", 1)[-1]] += time.process_time() - start

    pyshacl.shape.Shape.validate = timed
    return seconds


def family(shape: str) -> str:
    """The group a shape's time is summed under."""
    head = shape.split("-")[0]
    if head in TEXT_TOPICS:
        return f"text: {head}"
    if shape.endswith("-scheme"):
        return "closed lists (-scheme)"
    if shape in ("DurationShape", "SupportRoleShape"):
        return "SPARQL-targeted"
    return "other"


def main(argv=None) -> int:
    """Print stage times, the families' and the slowest shapes' CPU seconds for one data folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--shapes", type=Path)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--cprofile", type=Path, help="write the validation's cProfile statistics here")
    args = parser.parse_args(argv)
    settings = Settings(data_dir=str(args.data), **({"shapes_dir": str(args.shapes)} if args.shapes else {}))
    stages = {}
    start = time.process_time()
    vocabulary = load_vocabulary(settings)
    stages["vocabulary"] = time.process_time() - start
    start = time.process_time()
    files = read_data(args.data, vocabulary.concepts, label=args.data.name)
    stages["read YAML"] = time.process_time() - start
    start = time.process_time()
    data, where = map_entries(files, vocab(settings.base_iri))
    stages["map to RDF"] = time.process_time() - start
    shapes = Shapes(load_shapes(settings))
    shapes.validate(data_graph(vocabulary.graph))  # pyshacl harvests the shapes and parses their SPARQL
    graph = data_graph(t for g in (data, vocabulary.graph) for t in g)
    seconds = shape_timer()
    profile = cProfile.Profile() if args.cprofile else None
    start = time.process_time()
    if profile:
        profile.enable()
    findings = shapes.validate(graph)
    if profile:
        profile.disable()
        profile.dump_stats(args.cprofile)
    stages["validate (pyshacl)"] = time.process_time() - start
    result = report(findings, where)
    print(f"{len(files)} files, {len(data)} data triples, {len(result.problems)} problems "
          f"({result.count('violation')} violations)")
    for stage, secs in stages.items():
        print(f"  {stage:<20} {secs:8.2f} s CPU")
    print(f"  per file             {1000 * stages['validate (pyshacl)'] / max(1, len(files)):8.2f} ms CPU to validate")
    families: collections.Counter = collections.Counter()
    for shape, secs in seconds.items():
        families[family(shape)] += secs
    print(f"by family ({len(seconds)} shapes evaluated):")
    for name, secs in families.most_common():
        print(f"  {secs:8.2f} s  {name}")
    print("slowest shapes:")
    for shape, secs in seconds.most_common(args.top):
        print(f"  {secs:8.2f} s  {shape}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
