"""Stage 4 of both views side by side, DOT: the rolled graph in a frame, an equals sign
and the unrolled graph, in one source."""

from __future__ import annotations

from ...render.dot import add_unrolled, digraph, dot_text
from ...render.dot_budget import bounded
from ...unroll.graph import UnrolledGraph
from ..rolled.dot import add_rolled
from ..rolled.figure import RolledGraph


def render_both_dot(rolled: RolledGraph, unrolled: UnrolledGraph) -> str:
    """The rolled graph, an equals sign and the unrolled graph, as one DOT source."""
    dot = digraph(unrolled.name, unrolled.summary)
    with dot.subgraph(name="cluster_rolled") as box:
        box.attr(label=dot_text("rolled"), style="rounded", color="#cccccc", fontcolor="#666666")
        add_rolled(box, rolled)
    dot.node("equals", "=", shape="plaintext", fontsize="36")
    add_unrolled(dot, unrolled)
    return bounded(dot)
