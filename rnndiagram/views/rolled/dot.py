"""Stage 4 of the rolled view, DOT: each recurrent layer one cell with a loop (a self-edge
carrying its states, "× T"), every other layer one box."""

from __future__ import annotations

import graphviz

from ...render.dot import digraph, dot_id, dot_lines, dot_text, full_text
from ...render.dot_budget import bounded
from .figure import RolledGraph, RolledNode

_CELL = {"shape": "box", "style": "rounded,filled", "fillcolor": "#e6e6e6", "color": "#999999"}
_PREFIX = "rolled:"  # the rolled view's ids, apart from the unrolled view's in "both"


def render_rolled_dot(graph: RolledGraph) -> str:
    """The rolled graph as DOT source, inputs at the bottom."""
    dot = digraph(graph.name, graph.summary)
    add_rolled(dot, graph)
    return bounded(dot)


def add_rolled(dot: graphviz.Digraph, graph: RolledGraph) -> None:
    """The rolled graph's nodes and edges, added to ``dot``: one rank per row."""
    for row in range(graph.rows):
        with dot.subgraph(name=f"rolled_row_{row}") as same:
            same.attr(rank="same")
            for node in (n for n in graph.nodes if n.row == row):
                _node(same, node)
    for node in graph.nodes:
        for cell in node.cells:
            label = dot_lines([", ".join(cell.loop), cell.repeat])
            dot.edge(_id(cell.id), _id(cell.id), label=label, penwidth="2", **{"class": "rnd-loop"})
        if node.merge:
            for cell in node.cells:
                dot.edge(_id(cell.id), _id(node.id + ":merge"))
    for e in graph.edges:
        start = _start(graph.node(e.src), e.tensor)
        dst = graph.node(e.dst)
        for end in ([c.id for c in dst.cells] or [e.dst]):
            attrs = {"class": f"rnd-{'handoff' if e.kind == 'state' else 'data'}"}
            if e.kind == "state":
                attrs.update(color="#1f6fb4", style="dashed")
            dot.edge(_id(start), _id(end), **attrs)


def _start(node: RolledNode, tensor: int) -> str:
    """Where output ``tensor`` of a node leaves it: the node, its cell, a Bidirectional's
    merge (its output) or the cell of a direction (that direction's output or states)."""
    if len(node.cells) < 2:
        return node.cells[0].id if node.cells else node.id
    first = 1 if node.merge else 2
    if tensor < first:
        return node.id + ":merge" if node.merge else node.cells[tensor].id
    per = max(len(node.cells[0].loop), 1)
    return node.cells[min((tensor - first) // per, 1)].id


def _node(dot: graphviz.Digraph, node: RolledNode) -> None:
    title = dot_lines(list(node.lines))
    if not node.cells:
        shape = {"input": {"shape": "box", "style": "filled", "fillcolor": "#d5e8d4"},
                 "merge": {"shape": "box", "style": "rounded"}}.get(node.kind, {"shape": "box"})
        dot.node(_id(node.id), title, fontsize="10", **shape, **{"class": f"rnd-{node.kind}"},
                 **full_text(node.lines))
        return
    with dot.subgraph(name=f"cluster_{_id(node.id)}") as box:
        box.attr(label=title, fontsize="10", style="rounded", color="#cccccc", labeljust="l", **full_text(node.lines))
        for cell in node.cells:
            box.node(_id(cell.id), dot_lines([cell.label, cell.direction or ""]), **_CELL,
                     **{"class": "rnd-cell rnd-rolled"})
        if node.merge:
            box.node(_id(node.id + ":merge"), dot_text(node.merge), shape="box", style="rounded", fontsize="10")


def _id(name: str) -> str:
    return dot_id(_PREFIX + name)
