"""A build runs with the cycle collector held back, and leaves it as it found it."""

from __future__ import annotations

import gc

import pytest

from kokemus_ld.build.timing import RARE_COLLECTIONS, rare_collections


def test_collections_are_rare_inside_and_as_before_after_even_on_failure():
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), rare_collections():
        assert gc.get_threshold() == RARE_COLLECTIONS
        assert gc.isenabled()  # cycles are still collected
        raise RuntimeError("a failed build")
    assert gc.get_threshold() == before
