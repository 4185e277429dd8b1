"""Stage 4, DOT: how much work a DOT source gives Graphviz's ``dot``, and the bounds on it.

Measured with ``dot -v`` (Graphviz 2.43, on 2 cores) on stacks of LSTM layers, 4 steps
shown, nodes and edges counted as below (the invisible edges of the time grid too):

========================  ===============  ===================  ==========================
drawing                   nodes + edges    dot as it was        with ``nslimit=1``
========================  ===============  ===================  ==========================
40 layers, both views     1,885            0.3 s                (not set)
80 layers, both views     3,765            3-4 s                0.5 s
120 layers, both views    5,635            39 s                 1.6 s
200 layers, unrolled      8,803            60 s                 2.3 s
200 layers, both views    9,405            over 280 s (killed)  5 s
200 layers, both, 8 steps 17,397                                17 s
200 layers, both, 10 st.  21,792                                35 s
========================  ===============  ===================  ==========================

The time goes to the network simplex that places nodes across (58,000 rounds for the 5,042
nodes of the 120-layer drawing); ``nslimit=1`` stops it after about one round per node, and
the columns of the grid stay nearly straight. Past :data:`MAX_GRAPHVIZ_SIZE` even that takes
longer than anyone waits for a drawing, so rendering through Graphviz is refused there.
"""

from __future__ import annotations

import re
from typing import Tuple

import graphviz

from ..errors import OptionError

LARGE_GRAPH = 2_000
"""Nodes and edges past which the DOT source bounds dot's placement (``nslimit=1``); the
smaller drawings keep dot's own, exact placement."""

MAX_GRAPHVIZ_SIZE = 10_000
"""The most nodes and edges that ``engine="graphviz"`` hands to ``dot``: about 5 s of layout
(the 200-layer stack in both views); twice that takes half a minute, and it grows faster
than the graph."""

_EDGE = re.compile(r"^\t+\S+ -> ", re.M)
_NODE = re.compile(r"^\t+(?!(?:graph|node|edge|subgraph)\b)[A-Za-z0-9_]+(?: \[|$)", re.M)


def dot_size(source: str) -> Tuple[int, int]:
    """The nodes and edges of DOT source as rnndiagram writes it (one statement a line).

    >>> dot_size('digraph g {\\n\\tgraph [rankdir=BT]\\n\\ta [label="x -> y"]\\n\\tb\\n\\ta -> b [style=invis]\\n}')
    (2, 1)
    """
    return len(_NODE.findall(source)), len(_EDGE.findall(source))


def bounded(dot: graphviz.Digraph) -> str:
    """``dot``'s source, with the placement bounded (``nslimit=1``) when the graph is large."""
    source = dot.source
    if sum(dot_size(source)) > LARGE_GRAPH:
        dot.graph_attr["nslimit"] = "1"
        source = dot.source
    return source


def check_size(source: str) -> None:
    """Refuse DOT source too large for Graphviz to lay out in seconds, saying what to do."""
    nodes, edges = dot_size(source)
    if nodes + edges > MAX_GRAPHVIZ_SIZE:
        raise OptionError(
            f"this drawing has {nodes:,} nodes and {edges:,} edges, more than Graphviz lays out in seconds "
            f"({MAX_GRAPHVIZ_SIZE:,} in all); draw it with rnndiagram's own layout (the default engine: leave "
            f"out --engine graphviz), show fewer steps (--max-timesteps) or only the rolled view (--view rolled), "
            f"or write the DOT (-o diagram.dot) and run dot on it yourself")
