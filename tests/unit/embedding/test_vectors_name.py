"""The name of a spec's vectors (`encoder.vectors_name`, the key of `wirewatch eval`'s
embedding cache): a locally derived profile's vectors change with its recipe, so its name
does too, or `wirewatch eval` would read the vectors of the recipe before; a blend is
named by its parts."""

from __future__ import annotations

import pytest

from pipeline.embedding import onnx, static
from pipeline.embedding.encoder import vectors_name


@pytest.mark.parametrize(("spec", "module", "version"), [
    ("minilm-onnx-int8", onnx, "EXPORT_VERSION"),
    ("static", static, "DISTILL_VERSION"),
    ("use-m3+static:0.3", static, "DISTILL_VERSION"),
])  # fmt: skip
def test_a_derived_profile_is_named_by_its_recipe(
    spec: str, module: object, version: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = vectors_name(spec)
    assert before != spec
    assert vectors_name(spec) == before  # stable while nothing changes
    monkeypatch.setattr(module, version, getattr(module, version) + "-next")
    assert vectors_name(spec) != before


def test_the_names_of_one_model_share_a_name() -> None:
    names = ("minilm", "all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2")
    assert {vectors_name(name) for name in names} == {"all-MiniLM-L6-v2"}
    assert vectors_name("use-m3") == "use-m3"
    assert vectors_name("minilm+use-m3") == "all-MiniLM-L6-v2+use-m3:0.5"
