"""The eval cache's key of a model (`replay.model_key`): a locally derived profile's
vectors change with its recipe, so its key does too, or `wirewatch eval` would read the
vectors of the recipe before."""

from __future__ import annotations

import pytest

from pipeline.embedding import onnx, static
from pipeline.evaluation.replay import model_key


@pytest.mark.parametrize(("spec", "module", "version"), [
    ("minilm-onnx-int8", onnx, "EXPORT_VERSION"),
    ("static", static, "DISTILL_VERSION"),
])  # fmt: skip
def test_a_derived_profile_is_keyed_by_its_recipe(
    spec: str, module: object, version: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = model_key(spec)
    assert before != spec
    assert model_key(spec) == before  # stable while nothing changes
    monkeypatch.setattr(module, version, getattr(module, version) + "-next")
    assert model_key(spec) != before


def test_the_names_of_one_model_share_a_key() -> None:
    names = ("minilm", "all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2")
    assert {model_key(name) for name in names} == {"all-MiniLM-L6-v2"}
    assert model_key("use-m3") == "use-m3"
