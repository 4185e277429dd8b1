"""Stage 4, the interactive page: one self-contained HTML file (or a notebook cell's
fragment) holding the SVG of each view of a diagram, its styles and a small script of
our own (``templates/page.js``, ``templates/page.css``, ``templates/page.html.j2``).

Every drawing is made by the existing views (``rnndiagram.page`` chooses them) and
rendered by ``render.svg``; the page adds nothing to them but a wrapper per drawing saying
which view (``data-view``), which fold of each kind (``data-nested``, ``data-loops``...)
and which step (``data-step``) it is. Nothing is fetched when the page opens: no URL
appears in it but the SVG namespace.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Dict, Optional, Sequence, Tuple

from .. import labels
from ..layout.scene import Group, Scene
from ..spec import LayerSpec, ModelSpec, RecurrentSpec
from .svg import environment

@dataclass(frozen=True)
class Fold:
    """A kind of fold the page toggles: the option that sets it and its two settings, the
    first the one shown when the option is at its default. Adding a kind is one entry in
    ``rnndiagram.page.FOLDS`` (a toggle button of class ``rnd-toggle`` appears where the
    kind changes the drawing)."""

    name: str
    label: str
    option: str
    shown: Tuple[str, str]
    settings: Tuple[Any, Any]


@dataclass(frozen=True)
class Drawing:
    """One pre-computed drawing of the page."""

    view: str
    svg: str
    folds: Tuple[Tuple[str, str], ...] = ()
    step: Optional[int] = None
    graph: str = ""


def render_page(drawings: Sequence[Drawing], folds: Sequence[Fold], steps: Sequence[int], spec: ModelSpec,
                theme: str, start: str, fragment: bool = False) -> str:
    """The page of ``drawings`` (the first of view ``start`` shown), with a toggle for each
    fold kind of ``folds`` and a time slider over ``steps`` (none: no slider); ``fragment``
    leaves out ``<html>`` (what a notebook cell shows)."""
    digest = hashlib.sha256("".join(d.svg for d in drawings).encode("utf-8")).hexdigest()[:12]
    env = environment()
    source = env.loader.get_source  # type: ignore[union-attr]
    return env.get_template("page.html.j2").render(
        uid=f"rnd-page-{digest}", title=spec.name, theme=theme, drawings=drawings, folds=folds, steps=steps,
        start=start, fragment=fragment, layers=_json(layer_table(spec)), css=source(env, "page.css")[0],
        script=source(env, "page.js")[0])


def path_graph(scene: Scene, graph: Any) -> Dict[str, Any]:
    """The unrolled drawing's nodes and edges by the index of their ``<g>`` among the
    SVG root's groups, for the page to follow a value's way up: ``{"nodes": {index: id},
    "edges": [[index, src, dst], ...]}``; empty if the groups cannot be matched."""
    tops = [item for item in scene.items if isinstance(item, Group)]
    nodes = graph.nodes
    if len(tops) < len(nodes):
        return {}
    first = len(tops) - len(nodes)
    ends = {f"{e.src} → {e.dst}": e for e in graph.edges}
    edges = []
    for i, group in enumerate(tops[:first]):
        if group.cls.startswith("rnd-edge"):
            edge = ends.get(group.title.split(" units ")[0])
            if edge is not None:
                edges.append([i, edge.src, edge.dst])
    return {"nodes": {str(first + k): n.id for k, n in enumerate(nodes)}, "edges": edges}


def layer_table(spec: ModelSpec, prefix: str = "", outer: Optional[ModelSpec] = None) -> Dict[str, Dict[str, Any]]:
    """What a tooltip says of each layer call, by the id drawings give it (``outer/inner``
    in an expanded nested model): its name and call, its class and size, and a recurrent
    layer's units, states and parameters; ``nested`` marks a layer drawn as one box when
    nested models are collapsed, ``loop`` the first call of a loop of calls."""
    table: Dict[str, Dict[str, Any]] = {}
    looped = {loop.layer for loop in spec.loops}
    for layer in spec.layers:
        entry: Dict[str, Any] = {"name": labels.call_name(layer, spec), "title": labels.layer_title(layer),
                                 "class": layer.class_name}
        if layer.output_shapes:
            entry["output"] = ", ".join(labels.shape_text(s) for s in layer.output_shapes[:2])
        rec = layer.recurrent
        if rec is not None:
            entry["units"] = rec.units
            entry["states"] = ", ".join(f"{s.name} {labels.shape_text(s.shape)}" for s in rec.states)
            params = _params(rec)
            if params:
                entry["params"] = params
        if nests(layer):
            entry["nested"] = True  # drawn as one box when nested models are collapsed
        if layer.id in looped:
            entry["loop"] = True  # called once per step of a loop: its row folds and unfolds
        table[prefix + layer.id] = entry
        inner = layer.model or (layer.wrapped.model if layer.wrapped is not None else None)
        if inner is not None:
            table.update(layer_table(inner, f"{prefix}{layer.id}/", spec))
    return table


def nests(layer: LayerSpec) -> bool:
    """Whether a layer draws layers of its own where nested models are expanded: a nested
    model, or what a TimeDistributed runs (a model, or a recurrent layer over its own steps)."""
    wrapped = layer.wrapped
    return layer.model is not None or (wrapped is not None and (wrapped.model is not None
                                                                 or wrapped.recurrent is not None))


def _params(rec: RecurrentSpec) -> int:
    parts: Sequence[RecurrentSpec] = [r for r in (rec.forward, rec.backward) if r is not None] or [rec]
    return sum(c.params for r in parts for c in r.cell_specs)


def _json(value: Any) -> str:
    """JSON fit for a ``<script>`` element: no ``</`` to close it early."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
