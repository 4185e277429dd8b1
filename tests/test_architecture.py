"""The direction of imports: front-ends → api, sources → render → layout → unroll | read → the
data; Keras is touched only by the live reader, values mode, the Keras fallback and the examples.
Each view's modules (``views/``) sit in the stages they are: its figure beside unroll, its
layout with the layout, its DOT with the renderers, its entry in the registry with the API.

Every import is counted, also one made inside a function (the package imports lazily). No
module imports itself through others (an import cycle), and the readers of stage 0 are
chosen in one place, ``rnndiagram.read``, and never import one another.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Dict, Iterator, List, Mapping, Optional, Set, Tuple

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "rnndiagram"

# Layers, lowest first. A module may import its own layer and the layers below it; read and
# unroll are two sides of one layer that must not import each other.
LAYERS: Tuple[Tuple[str, ...], ...] = (
    ("rnndiagram._records",),
    ("rnndiagram.spec", "rnndiagram.errors", "rnndiagram.options", "rnndiagram.labels", "rnndiagram._io",
     "rnndiagram.loops", "rnndiagram.repeats"),
    ("rnndiagram.read", "rnndiagram.unroll", "rnndiagram.views.rolled.figure", "rnndiagram.views.gates.figure",
     "rnndiagram.views.gates.steps", "rnndiagram.views.gates.parts", "rnndiagram.views.gates.recipes"),
    ("rnndiagram.layout", "rnndiagram.views.rolled.layout", "rnndiagram.views.both.layout",
     "rnndiagram.views.gates.layout"),
    ("rnndiagram.render", "rnndiagram.views.rolled.dot", "rnndiagram.views.both.dot", "rnndiagram.views.gates.dot"),
    ("rnndiagram.api", "rnndiagram.page", "rnndiagram.views", "rnndiagram.sources", "rnndiagram.saved",
     "rnndiagram.table", "rnndiagram.examples"),
    ("rnndiagram", "rnndiagram.cli", "rnndiagram.gallery", "rnndiagram.docs_common", "rnndiagram.sphinxext",
     "rnndiagram.mkdocs_plugin"),
)
SIDES = {"rnndiagram.read": "read", "rnndiagram.unroll": "unroll", "rnndiagram.views.rolled.figure": "unroll",
         "rnndiagram.views.gates.figure": "unroll", "rnndiagram.views.gates.parts": "unroll",
         "rnndiagram.views.gates.recipes": "unroll"}
"""The two sides of layer 1, by module prefix: each view's stage 2 is drawn like the unrolled graph."""
KERAS_USERS = {"rnndiagram.read.keras_import", "rnndiagram.read.live", "rnndiagram.read.trace",
               "rnndiagram.read.values", "rnndiagram.read.heat_values",
               "rnndiagram.read.gate_values", "rnndiagram.read.loading", "rnndiagram.examples"}
"""The only modules that import Keras or TensorFlow, or the door through which they are loaded."""


def _modules() -> Dict[str, Path]:
    """Every module of the package, by name."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path, typing: bool = True) -> Iterator[str]:
    """Every module ``name`` imports, as absolute names; without ``typing``, not those made
    only for the type checker (under ``if TYPE_CHECKING:``), which never run."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    tree = ast.parse(path.read_text(), str(path))
    skipped = set() if typing else {id(n) for block in ast.walk(tree) if isinstance(block, ast.If)
                                    and _typing_only(block) for stmt in block.body for n in ast.walk(stmt)}
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:  # "from . import labels" imports a module, not the package
                yield f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base


def _typing_only(node: ast.If) -> bool:
    """``if TYPE_CHECKING:`` (or ``typing.TYPE_CHECKING``)."""
    return isinstance(node.test, (ast.Name, ast.Attribute)) and ast.unparse(node.test).endswith("TYPE_CHECKING")


def _layer(module: str) -> int:
    best = (-1, -1)
    for index, members in enumerate(LAYERS):
        for prefix in members:
            if module == prefix or module.startswith(prefix + "."):
                best = max(best, (len(prefix), index))
    if best[1] < 0:
        raise AssertionError(f"{module} is in no layer of the contract; add it to LAYERS")
    return best[1]


def _side(module: str) -> str:
    return next((side for prefix, side in SIDES.items() if module == prefix or module.startswith(prefix + ".")), "")


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_point_down(name: str) -> None:
    own, side = _layer(name), _side(name)
    wrong: Set[str] = set()
    for target in _imports(name, MODULES[name]):
        if target not in MODULES:
            continue
        layer = _layer(target)
        if layer > own or (layer == own and side and _side(target) not in ("", side)):
            wrong.add(target)
    assert not wrong, f"{name} imports {sorted(wrong)}, which sit above it or beside it"


def test_only_the_readers_and_the_examples_touch_keras() -> None:
    users = {name for name, path in MODULES.items()
             if any(t.split(".")[0] in ("keras", "tensorflow") or t.startswith("rnndiagram.read.keras_import")
                    for t in _imports(name, path))}
    outside = {u for u in users - {"rnndiagram.read.keras_import"}
               if not any(u == k or u.startswith(k + ".") for k in KERAS_USERS)}
    assert not outside, sorted(outside)
    assert "rnndiagram.read.live" in users and "rnndiagram.examples" in users


def test_the_contract_sees_a_wrong_import() -> None:
    """A layout module importing the reader, and an unroll module the layout, are caught."""
    assert _layer("rnndiagram.layout.grid") > _layer("rnndiagram.unroll.builder")
    assert _side("rnndiagram.unroll.builder") != _side("rnndiagram.read.live")
    imports = set(_imports("rnndiagram.read.saved.graph", MODULES["rnndiagram.read.saved.graph"]))
    assert "rnndiagram.read.build" in imports and "rnndiagram.read.saved.view" in imports
    assert (_side("rnndiagram.views.gates.figure") == _side("rnndiagram.views.rolled.figure")
            != _side("rnndiagram.read.cells"))
    assert (_layer("rnndiagram.views.gates.layout") == _layer("rnndiagram.views.rolled.layout")
            > _layer("rnndiagram.views.gates.figure"))


# Files that the package's docstrings and the README name but that are not this project's:
# a user's files in examples of use, and the public sources a model was rebuilt from.
NOT_OURS = {"file.py", "path/to/file.py", "train.py", "lib/models.py", "docs/lib/models.py",
            "examples/babi_memnn.py", "examples/image_ocr.py", "keras/src/ops/operation_utils.py",
            "textClassifierHATT.py"}


def _named_files(text: str) -> Set[str]:
    return set(re.findall(r"(?<![\w/.-])([A-Za-z_][\w/]*\.py)\b", text))


def _ours(name: str) -> bool:
    root = PACKAGE.parent
    return (root / name).exists() or any(p.as_posix().endswith("/" + name) for folder in SOURCES
                                         for p in (root / folder).rglob("*.py"))


SOURCES = ("rnndiagram", "docs", "tests", "benchmarks")


@pytest.mark.parametrize("where", ["README.md", "docs", "rnndiagram"])
def test_every_module_the_docs_and_comments_name_exists(where: str) -> None:
    """A module renamed or split leaves no stale pointer behind it (README's code tree, the
    documentation pages, the package's docstrings and comments)."""
    path = PACKAGE.parent / where
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.suffix in (".py", ".rst", ".md"))
    stale = {f"{f.relative_to(PACKAGE.parent)}: {name}" for f in files
             for name in _named_files(f.read_text(encoding="utf-8")) - NOT_OURS if not _ours(name)}
    assert not stale, sorted(stale)


def _graph() -> Dict[str, Set[str]]:
    """Which of the package's modules each module imports, when it runs (at its top or in a
    function). Importing ``a.b`` runs ``a`` first, but a package is not taken to import the
    modules that import it: only the imports written in a module are edges."""
    return {name: {t for t in _imports(name, path, typing=False) if t in MODULES and t != name}
            for name, path in MODULES.items()}


def _cycle(graph: Mapping[str, Set[str]]) -> Optional[List[str]]:
    """A cycle of ``graph`` as its modules in order (the first repeated last), or None."""
    state: Dict[str, int] = {}  # 1 while a module's imports are walked, 2 once done
    path: List[str] = []

    def walk(module: str) -> Optional[List[str]]:
        state[module] = 1
        path.append(module)
        for target in sorted(graph.get(module, ())):
            if state.get(target) == 1:
                return path[path.index(target):] + [target]
            found = walk(target) if target not in state else None
            if found:
                return found
        path.pop()
        state[module] = 2
        return None

    return next((c for m in sorted(graph) if m not in state for c in [walk(m)] if c), None)


def test_no_import_cycle_in_the_package() -> None:
    """The whole package, every import counted, also one made inside a function; an import
    only the type checker sees is not, since it never runs."""
    cycle = _cycle(_graph())
    assert cycle is None, " -> ".join(cycle or [])


def test_the_cycle_check_sees_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"b"}}) == ["b", "c", "b"]
    assert _cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None
    masks = MODULES["rnndiagram.read.saved.masks"]  # it names the graph for the type checker only
    assert "rnndiagram.read.saved.graph" in set(_imports("rnndiagram.read.saved.masks", masks))
    assert "rnndiagram.read.saved.graph" not in set(_imports("rnndiagram.read.saved.masks", masks, typing=False))


READERS = ("rnndiagram.read.live", "rnndiagram.read.legacy", "rnndiagram.read.saved")
"""The readers of stage 0: a live Keras 3 model, a live Keras 2 model, a file or config."""


def _reader(module: str) -> Optional[str]:
    return next((r for r in READERS if module == r or module.startswith(r + ".")), None)


def test_the_readers_never_import_one_another() -> None:
    """Each reader falls back to another only through the dispatcher, ``rnndiagram.read``."""
    crossing = sorted({f"{name} imports {target}" for name, path in MODULES.items() if _reader(name)
                       for target in _imports(name, path) if _reader(target) not in (None, _reader(name))})
    assert not crossing, crossing
    dispatcher = set(_imports("rnndiagram.read", MODULES["rnndiagram.read"]))
    assert set(READERS) | {"rnndiagram.read.loading"} <= dispatcher
    users = {name for name, path in MODULES.items() if "rnndiagram.read" in set(_imports(name, path))}
    assert not {u for u in users if _reader(u)}, "a reader imports the dispatcher"
