"""The fuzz corpora replayed through the atheris harnesses' checks, without atheris.

``fuzz/corpus/connection`` and ``fuzz/corpus/decoders`` hold the seeds, what the long
run found, and every input that once crashed a harness (``regress-*``): each must pass
the harness's own assertions in the ordinary test run.
"""

from __future__ import annotations

import importlib.util
import os
from types import ModuleType

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FUZZ = os.path.join(ROOT, "fuzz")


def harness(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        f"fuzz_{name}", os.path.join(FUZZ, f"fuzz_{name}.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def corpus(name: str) -> list[str]:
    folder = os.path.join(FUZZ, "corpus", name)
    return sorted(os.path.join(folder, f) for f in os.listdir(folder))


@pytest.mark.parametrize("target", ["connection", "decoders"])
def test_corpus_passes_the_harness(target: str) -> None:
    """Every committed input of a Python fuzz target passes that target's checks."""
    module = harness(target)
    failures = []
    files = corpus(target)
    for path in files:
        with open(path, "rb") as f:
            data = f.read()
        try:
            module.TestOneInput(data)
        except Exception as exc:
            failures.append(f"{os.path.basename(path)}: {type(exc).__name__}: {exc}"[:300])
    assert len(files) >= 5
    assert failures == []
