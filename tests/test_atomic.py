"""Nothing lost: a build killed at any moment, a half-written YAML file.

`kokemus-ld build` runs as a real subprocess and is killed with SIGKILL at random points (printed,
so a failure can be replayed); afterwards the published dataset must be exactly the previous one
(or, when the kill came after the switch, the complete new one), readable and served. The
atomic store switch on `load` is tests/test_store.py::test_a_reader_during_load_sees_the_old_or_the_new_build.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import copy_sources, read_dump
from kokemus_ld.build.dataset import build, read_meta
from kokemus_ld.build.problems import DataError
from kokemus_ld.config import Settings
from kokemus_ld.store.embedded import EmbeddedStore
from kokemus_ld.web.app import create_app

KILLS = 4  # alternately anywhere, and in the writing phase


def build_command(settings: Settings) -> tuple[list[str], dict]:
    """The `kokemus-ld build` command line and environment for a private copy of the sources."""
    env = dict(os.environ, KOKEMUS_BASE_IRI=settings.base_iri, KOKEMUS_DATA_DIR=settings.data_dir,
               KOKEMUS_ONTOLOGY_DIR=settings.ontology_dir, KOKEMUS_SHAPES_DIR=settings.shapes_dir,
               KOKEMUS_PUBLISH_DIR=settings.publish_dir)
    return [str(Path(sys.executable).with_name("kokemus-ld")), "build"], env


def assert_intact(settings: Settings) -> dict:
    """The published build is whole: meta.json parses, every dump matches its checksum, and it is served."""
    meta = read_meta(settings.current_dir)
    assert meta is not None, "nothing is published"
    folder = Path(meta["_path"])
    assert not folder.name.startswith("."), "a half-written build folder is current"
    for name, entry in meta["dumps"].items():
        data = (folder / name).read_bytes() if entry["gzip"] else read_dump(folder, name)
        assert len(data) == entry["bytes"], name
        if entry["gzip"]:
            assert hashlib.sha256(data).hexdigest() == entry["sha256"], name
    json.loads((folder / "changes.json").read_text())
    client = create_app(settings, EmbeddedStore(settings)).test_client()
    page = client.get("/id/org/ehja.ttl")
    assert page.status_code == 200 and "Ehjä ry" in page.get_data(as_text=True)
    return meta


def test_build_killed_at_random_points_leaves_the_published_dataset_intact(tmp_path):
    settings = copy_sources(tmp_path)
    command, env = build_command(settings)
    started = time.monotonic()
    subprocess.run(command, env=env, check=True, capture_output=True)
    duration = time.monotonic() - started
    first = assert_intact(settings)
    # Change the data so a finished kill-run would publish a different build.
    entry = Path(settings.data_dir) / "activities" / "kuule-minua.yaml"
    entry.write_text(entry.read_text(encoding="utf-8").replace("vertaistukea ryhmissä", "vertaistukea  ryhmissä"),
                     encoding="utf-8")
    rng = random.Random()
    seed = rng.randrange(1 << 30)
    rng.seed(seed)
    builds = Path(settings.publish_dir) / "builds"
    for attempt in range(KILLS):
        proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if attempt % 2:  # any moment of the build
            moment = f"{duration * rng.uniform(0.05, 1.0):.2f} s in"
            time.sleep(float(moment.split()[0]))
        else:  # while files are written and `current` switched: the short phase where loss could happen
            while proc.poll() is None and not any(p.name.startswith(".") for p in builds.iterdir()):
                time.sleep(0.005)
            pause = rng.uniform(0.0, 0.6)
            moment = f"{pause:.2f} s into writing"
            time.sleep(pause)
        finished = proc.poll() is not None
        if not finished:
            proc.send_signal(signal.SIGKILL)
        proc.wait()
        print(f"seed {seed} kill {attempt}: {moment} (a whole build takes {duration:.1f} s), finished={finished}")
        assert_intact(settings)
    subprocess.run(command, env=env, check=True, capture_output=True)
    last = assert_intact(settings)
    assert last["build_id"] != first["build_id"]
    leftovers = [p.name for p in (Path(settings.publish_dir) / "builds").iterdir() if p.name.startswith(".")]
    assert leftovers == [], "a finished build removes what killed builds left"


@pytest.mark.parametrize("cut", ["middle-of-a-quoted-string", "empty-file"])
def test_half_written_yaml_is_reported_not_published(tmp_path, cut):
    settings = copy_sources(tmp_path)
    first = build(settings)
    entry = Path(settings.data_dir) / "activities" / "kuule-minua.yaml"
    text = entry.read_text(encoding="utf-8")
    if cut == "empty-file":
        half = ""
    else:  # the editor's save died inside `heading: "Kuule minua -hanke, Ehjä ry"`
        half = text[: text.index('heading: "') + len('heading: "Kuule min')]
    entry.write_text(half, encoding="utf-8")
    with pytest.raises(DataError) as caught:
        build(settings)
    problems = [p for p in caught.value.problems if p.file.endswith("kuule-minua.yaml")]
    assert problems, caught.value.problems
    assert problems[0].line == (1 if cut == "empty-file" else half.count("\n") + 1)
    assert settings.current_dir.resolve() == first.path
    assert_intact(settings)

