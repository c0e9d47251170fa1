"""Named SPARQL queries kept as .rq files, filled with checked IRIs."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

QUERY_DIR = Path(__file__).resolve().parent.parent / "queries"
_SAFE_IRI = re.compile(r"^[a-z][a-z0-9+.-]*:[^\s<>\"{}|\\^`]*$", re.I)


@lru_cache(maxsize=64)
def _text(name: str) -> str:
    return (QUERY_DIR / f"{name}.rq").read_text(encoding="utf-8")


def safe_iri(iri: str) -> str:
    """The IRI, if it can stand inside <...> in a query; ValueError otherwise."""
    if not _SAFE_IRI.match(iri):
        raise ValueError(f"not a usable IRI: {iri!r}")
    return iri


def named(name: str, **iris: str | list[str]) -> str:
    """The query `queries/<name>.rq` with `{{key}}` replaced by a checked IRI (a list: `<a> <b>`, for VALUES)."""
    text = _text(name)
    for key, value in iris.items():
        filled = " ".join(f"<{safe_iri(v)}>" for v in value) if isinstance(value, list) else safe_iri(value)
        text = text.replace("{{" + key + "}}", filled)
    return text
