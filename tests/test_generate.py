"""The benchmark's data generator: deterministic, and its output passes validation."""

from __future__ import annotations

import filecmp
import importlib.util
from pathlib import Path

from kokemus_ld.build.dataset import check
from kokemus_ld.config import Settings

ROOT = Path(__file__).resolve().parent.parent


def _generator():
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "bench" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _same_tree(a: Path, b: Path) -> bool:
    cmp = filecmp.dircmp(a, b)
    if cmp.left_only or cmp.right_only or cmp.diff_files or cmp.funny_files:
        return False
    return all(_same_tree(a / d, b / d) for d in cmp.common_dirs)


def test_generated_directory_is_deterministic_and_valid(tmp_path):
    generate = _generator()
    first = generate.write(20, tmp_path / "one" / "data", seed=7)
    second = generate.write(20, tmp_path / "two" / "data", seed=7)
    assert _same_tree(first, second)
    assert len(list((first / "activities").glob("*.yaml"))) == 20

    checked = check(Settings(data_dir=str(first)))

    assert checked.report.conforms, [str(p) for p in checked.report.problems if p.severity == "violation"]
    names = {f.name for f in checked.files}
    assert "data/activities/jarjesto-00000-1.yaml" in names
    text = (first / "activities" / "jarjesto-00000-1.yaml").read_text(encoding="utf-8")
    assert "Kokemustoiminnan tavoitteena on" in text or "ovat koulutettuja vapaaehtoisia" in text


def test_a_smaller_directory_is_a_prefix_of_a_larger_one(tmp_path):
    generate = _generator()
    small = generate.write(5, tmp_path / "small" / "data")
    large = generate.write(12, tmp_path / "large" / "data")
    for path in (small / "activities").glob("*.yaml"):
        assert path.read_bytes() == (large / "activities" / path.name).read_bytes()
