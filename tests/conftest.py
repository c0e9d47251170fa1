"""Shared fixtures: one real build of the seed data, and the app on either store.

`app` and `client` are parametrized over the two stores, so every test that uses them runs
against the embedded pyoxigraph store and against a real Oxigraph server on 127.0.0.1.
"""

from __future__ import annotations

import gzip
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from kokemus_ld.build.dataset import build
from kokemus_ld.config import ROOT, Settings
from kokemus_ld.store.embedded import EmbeddedStore
from kokemus_ld.store.remote import RemoteStore
from kokemus_ld.web.app import create_app

BASE = "https://kokemus.vslj.fi/"


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def copy_sources(target: Path) -> Settings:
    """A private copy of data/, ontology/ and shapes/ (for tests that edit the data)."""
    for name in ("data", "ontology", "shapes"):
        shutil.copytree(ROOT / name, target / name)
    return Settings(base_iri=BASE, data_dir=str(target / "data"), ontology_dir=str(target / "ontology"),
                    shapes_dir=str(target / "shapes"), publish_dir=str(target / "var"))


def start_oxigraph(location: Path, *flags: str):
    """Start a real Oxigraph server (PyPI `oxigraph`) on 127.0.0.1; (process, base URL) once it answers."""
    exe = Path(sys.executable).with_name("oxigraph")
    exe = exe if exe.exists() else shutil.which("oxigraph")
    assert exe, "the oxigraph server (PyPI package `oxigraph`) is required for the tests"
    port = free_port()
    proc = subprocess.Popen([str(exe), "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}",
                             "--union-default-graph", *flags],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/query?query=ASK%7B%7D", timeout=1).read()
            return proc, url
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError("oxigraph server did not start")
            time.sleep(0.1)


def stop(proc: subprocess.Popen) -> None:
    """End a server process: politely, then for good."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Settings:
    """Settings of one build of the real data, published into a temporary folder."""
    publish = tmp_path_factory.mktemp("publish")
    settings = Settings(base_iri=BASE, publish_dir=str(publish))
    build(settings)
    return settings


@pytest.fixture(scope="session")
def oxigraph_server(built, tmp_path_factory):
    """A real Oxigraph server (PyPI `oxigraph`) on 127.0.0.1, loaded with the build."""
    location = tmp_path_factory.mktemp("oxigraph")
    proc, url = start_oxigraph(location, "--cors")
    store = RemoteStore(url + "/query", update_url=url + "/update", settings=built)
    store.load_build(built.current_dir)
    yield url
    stop(proc)


STORES = ["embedded", "oxigraph"]


@pytest.fixture(scope="session", params=STORES)
def app(request, built):
    """The app over the built data, once per store kind."""
    if request.param == "embedded":
        store = EmbeddedStore(built)
        settings = built
    else:
        url = request.getfixturevalue("oxigraph_server")
        settings = built.replace(store=url + "/query", store_update=url + "/update")
        store = RemoteStore(url + "/query", update_url=url + "/update", settings=settings)
    application = create_app(settings, store)
    application.config["TESTING"] = True
    application.config["STORE_KIND"] = request.param
    return application


@pytest.fixture()
def client(app):
    """A Flask test client for `app`."""
    return app.test_client()


@pytest.fixture(scope="session")
def embedded_app(built):
    """The app on the embedded store only (for tests about process-level behaviour)."""
    application = create_app(built, EmbeddedStore(built))
    application.config["TESTING"] = True
    return application


@pytest.fixture(scope="session")
def live_server(built):
    """The real app served by gunicorn on 127.0.0.1 (for browser, load and client-library tests)."""
    port = free_port()
    env = dict(os.environ, KOKEMUS_PUBLISH_DIR=built.publish_dir, KOKEMUS_BASE_IRI=BASE)
    proc = subprocess.Popen([str(Path(sys.executable).with_name("gunicorn")), "--preload", "-w", "2",
                             "-b", f"127.0.0.1:{port}", "--timeout", "60", "kokemus_ld.web.wsgi:app"],
                            env=env, cwd=str(ROOT), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url + "/", timeout=2).read()
            break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError("gunicorn did not start: " + (proc.stderr.read() or b"").decode()[-2000:])
            time.sleep(0.2)
    yield url
    stop(proc)


@pytest.fixture()
def fresh_oxigraph(tmp_path):
    """An empty Oxigraph server of its own (for loading tests, and runaway queries that must not
    keep the shared server's cores busy: Oxigraph goes on computing after the client gives up)."""
    proc, url = start_oxigraph(tmp_path / "oxigraph")
    yield url
    proc.kill()
    proc.wait(timeout=10)


def read_dump(folder, name: str) -> bytes:
    """A build's plain dump as a harvester gets it: its `.gz` decompressed (a build keeps no plain dump)."""
    return gzip.decompress((Path(folder) / f"{name}.gz").read_bytes())
