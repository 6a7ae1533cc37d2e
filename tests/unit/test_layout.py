"""The shape of the tree: pipeline/ is a handful of subpackages by concept with few loose
modules, each subpackage says what it offers (`__all__`, every name importable), the
tests mirror the code (tests/unit, tests/integration), and no project file takes part
in an import cycle.

The import graph counts every import in a file, at module level or inside a function
(an import in a function is still a dependency, only a later one), between the files of
pipeline/, agents/ and schemas/. `from a.b import c` is an edge to the module a.b.c when
that is a file or package, else to a.b; a package is its __init__.py. No edge is added
from a submodule to its parent package just because Python runs the parent first: a
module that needs its package says so with an import.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.paths import ROOT

PIPELINE = ROOT / "pipeline"
PROJECT_PACKAGES = ("pipeline", "agents", "schemas")


def _subpackages() -> list[Path]:
    """Every package below pipeline/ (its __init__.py), nested ones too."""
    return sorted(
        init.parent
        for init in PIPELINE.rglob("__init__.py")
        if init.parent != PIPELINE and "__pycache__" not in init.parts
    )


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def test_pipeline_is_subpackages_and_a_few_loose_modules() -> None:
    top_level = [p for p in PIPELINE.iterdir() if (p / "__init__.py").is_file()]
    loose = [p.name for p in PIPELINE.glob("*.py") if p.name != "__init__.py"]
    assert len(top_level) >= 6, f"subpackages of pipeline/: {sorted(p.name for p in top_level)}"
    assert len(loose) <= 8, f"loose modules in pipeline/: {sorted(loose)}"


def test_the_tests_mirror_the_code() -> None:
    for folder in ("unit", "integration", "support"):
        assert (ROOT / "tests" / folder / "__init__.py").is_file(), f"tests/{folder}/"


@pytest.mark.parametrize(
    "package", [_module_name(p) for p in _subpackages()], ids=lambda name: name
)
def test_each_subpackage_declares_what_it_offers(package: str) -> None:
    init = ROOT / Path(*package.split(".")) / "__init__.py"
    tree = ast.parse(init.read_text(encoding="utf-8"))
    declared = any(
        isinstance(node, ast.Assign | ast.AnnAssign)
        and any(
            isinstance(target, ast.Name) and target.id == "__all__"
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        )
        for node in tree.body
    )
    assert declared, f"{init.relative_to(ROOT)} has no __all__"
    module = importlib.import_module(package)
    names = list(module.__all__)
    assert names, f"{package}.__all__ is empty"
    assert len(names) == len(set(names)), f"{package}.__all__ repeats a name"
    missing = []
    for name in names:
        try:
            getattr(module, name)
        except (AttributeError, ImportError) as exc:
            missing.append(f"{name} ({exc})")
    assert not missing, f"{package}.__all__ names what it does not have: {missing}"


# -- the import graph --------------------------------------------------------------------


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    path: Path
    line: int

    def __str__(self) -> str:
        where = self.path.relative_to(ROOT) if self.path.is_relative_to(ROOT) else self.path
        return f"{self.source} -> {self.target}  ({where}:{self.line})"


def _project_modules() -> dict[str, Path]:
    modules = {}
    for package in PROJECT_PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "__pycache__" not in path.parts:
                modules[_module_name(path)] = path
    return modules


def _longest_known_prefix(name: str, modules: dict[str, Path]) -> str | None:
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in modules:
            return candidate
    return None


def _imports(name: str, path: Path, modules: dict[str, Path]) -> Iterator[Edge]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    for node in ast.walk(tree):  # module level, functions, classes, `if TYPE_CHECKING:`
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package this module is in
                package = name.split(".") if is_package else name.split(".")[:-1]
                package = package[: len(package) - (node.level - 1)]
                base = ".".join([*package, *([base] if base else [])])
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                targets.append(submodule if submodule in modules else base)
        for target in targets:
            resolved = _longest_known_prefix(target, modules)
            if resolved is not None and resolved != name:
                yield Edge(name, resolved, path, node.lineno)


def _graph() -> dict[str, dict[str, Edge]]:
    modules = _project_modules()
    graph: dict[str, dict[str, Edge]] = {name: {} for name in modules}
    for name, path in modules.items():
        for edge in _imports(name, path, modules):
            graph[name].setdefault(edge.target, edge)
    return graph


def _strongly_connected(graph: dict[str, dict[str, Edge]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative: the groups of modules that import each other."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def _a_cycle(graph: dict[str, dict[str, Edge]], group: list[str]) -> list[Edge]:
    """One concrete cycle through the group's first module: the shortest way back to it."""
    members = set(group)
    start = group[0]
    came_by: dict[str, Edge] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for target, edge in sorted(graph[node].items()):
                if target == start:
                    path = [edge]
                    while path[0].source != start:
                        path.insert(0, came_by[path[0].source])
                    return path
                if target in members and target not in came_by:
                    came_by[target] = edge
                    following.append(target)
        frontier = following
    raise AssertionError(f"no cycle through {start}")  # not reached for a real group


def test_the_import_graph_is_read_as_documented() -> None:
    """The graph the cycle check walks: function-level imports, `from package import
    module`, packages as their __init__.py, and no implicit edge to a parent package."""
    graph = _graph()
    assert {"pipeline", "pipeline.embedding", "agents", "schemas.messages"} <= set(graph)
    # A package's __init__ imports its submodules; a submodule is not tied back to it.
    assert "pipeline.embedding.cache" in graph["pipeline.embedding"]
    assert "pipeline.embedding" not in graph["pipeline.embedding.codec"]
    # `from pipeline.embedding.codec import pack_vector` is an edge to the codec module.
    assert "pipeline.embedding.codec" in graph["schemas.messages"]
    # Imports inside functions count too (the encoder loads its ONNX sibling lazily).
    assert "pipeline.embedding.onnx" in graph["pipeline.embedding.encoder"]


def test_the_cycle_check_finds_a_cycle(tmp_path: Path) -> None:
    """The check itself, on a made-up project: a.x imports b (in a function), b imports
    a.y, a.y imports a.x: one cycle of three; c only imports, d is alone."""
    files = {
        "a/__init__.py": "",
        "a/x.py": "def later():\n    import b\n",
        "b.py": "from a import y\n",
        "a/y.py": "from . import x\nimport os\n",
        "c.py": "from a.x import later\nimport d\n",
        "d.py": "",
    }
    modules = {}
    for relative, text in files.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        parts = relative.removesuffix(".py").removesuffix("/__init__").split("/")
        modules[".".join(parts)] = path
    graph: dict[str, dict[str, Edge]] = {name: {} for name in modules}
    for name, path in modules.items():
        for edge in _imports(name, path, modules):
            graph[name].setdefault(edge.target, edge)
    assert {n: sorted(t) for n, t in graph.items()} == {
        "a": [],  # no edge from a.x or a.y up to a
        "a.x": ["b"],
        "b": ["a.y"],
        "a.y": ["a.x"],
        "c": ["a.x", "d"],
        "d": [],
    }
    assert _strongly_connected(graph) == [["a.x", "a.y", "b"]]
    cycle = _a_cycle(graph, ["a.x", "a.y", "b"])
    assert [(e.source, e.target) for e in cycle] == [("a.x", "b"), ("b", "a.y"), ("a.y", "a.x")]
    assert str(cycle[0]).startswith("a.x -> b  (") and str(cycle[0]).endswith("x.py:2)")
    del graph["a.y"]["a.x"]
    assert _strongly_connected(graph) == []


def test_no_import_cycle_between_project_files() -> None:
    graph = _graph()
    groups = _strongly_connected(graph)
    if groups:
        report = []
        for group in groups:
            cycle = _a_cycle(graph, group)
            report.append(
                f"{len(group)} modules import each other: {', '.join(group)}\n"
                "  for example:\n" + "\n".join(f"    {edge}" for edge in cycle)
            )
        print("\n\n".join(report))
        pytest.fail("import cycles between project files:\n\n" + "\n\n".join(report))
