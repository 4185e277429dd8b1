"""Stage 4, DOT: an UnrolledGraph as Graphviz DOT text, with rank constraints for the time grid."""

from __future__ import annotations

import hashlib
import re
from typing import Dict, List, Optional, Sequence, Tuple

import graphviz

from .. import labels
from ..unroll.graph import Edge, Node, Panel, Strip, UnrolledGraph
from .dot_budget import bounded

_UNSAFE_ID = re.compile(r"[^A-Za-z0-9]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

# Graphviz's scanner (2.43 and later) reads an identifier, or a quoted string's stretch
# without a backslash or a quote, as one token of at most 16 KiB; a longer one is "syntax
# error ... (missing endquote? longer than 16384?)". The graph's tooltip, one sentence per
# recurrent layer, passes that at about 200 layers, as a label does for a long name.
# Quoted text is therefore folded with DOT's line continuation (a backslash before a
# newline, which dot drops) every _RUN characters (at most 4 bytes each in UTF-8), and a
# longer identifier is replaced by a hash of the name.
_RUN = 2000
_LONG_RUN = re.compile(r'[^"\\]{%d}(?=[^"\\])' % _RUN)
_MAX_ID = 4000

_INK, _FAINT, _HANDOFF = "#333333", "#b0b0b0", "#1f6fb4"
# Invisible edges that hold the grid must outweigh the real ones (weight 1) so that a
# row stays in time order and a column stays straight.
_GRID_WEIGHT = "10"
# Past this many units a strip prints its size, not its numbers (the post's "128").
_MAX_SHOWN_VALUES = 8

_SMALL = {"shape": "box", "fontsize": "10", "height": "0.3"}
_NODE_STYLE: Dict[str, Dict[str, str]] = {
    "cell": {"shape": "box", "style": "rounded,filled", "fillcolor": "#e6e6e6", "color": "#999999"},
    "box": {"shape": "box"}, "merge": {"shape": "box", "style": "rounded"},
    "band": {"shape": "box", "style": "filled", "fillcolor": "#f4f4f4"},
    "input": _SMALL, "init": _SMALL, "final": _SMALL,
    "strip": {**_SMALL, "height": "0.25", "width": "0.3"},
    "token": {"shape": "plaintext"}, "ellipsis": {"shape": "plaintext"},
}


def dot_id(name: str) -> str:
    """A DOT identifier for ``name``: ``n_``, then [A-Za-z0-9] kept, ``_`` as ``__`` and
    any other character as ``_hex_``.

    One-to-one (the escapes form a prefix-free code), never quoted, never a DOT keyword,
    never an HTML label.

    An id that Graphviz's scanner could not take whole (over :data:`_MAX_ID` characters) is
    ``h_`` and the SHA-256 of the name instead.

    >>> dot_id("lstm-t1"), dot_id("a_b"), dot_id('<x>"…')
    ('n_lstm_2d_t1', 'n_a__b', 'n__3c_x_3e__22__2026_')
    >>> dot_id("x" * 5000)[:10]
    'h_c59d3c04'
    """
    escaped = "n_" + _UNSAFE_ID.sub(_id_escape, name)
    return escaped if len(escaped) <= _MAX_ID else "h_" + hashlib.sha256(name.encode("utf-8")).hexdigest()


def _id_escape(match: re.Match) -> str:
    char = match.group()
    return "__" if char == "_" else f"_{ord(char):x}_"


def dot_text(text: str) -> str:
    r"""``text`` as a DOT label that prints literally: never HTML, no escString codes.

    Backslashes are doubled (DOT reads ``\l``, ``\N`` as codes), a newline becomes DOT's
    line break ``\n``, other control characters are shown as ``\xNN``; the result is
    marked ``nohtml`` so the ``graphviz`` package quotes it (escaping ``"``) even when it
    looks like ``<...>``.

    >>> print(graphviz.quoting.quote(dot_text('<b>"x"\\')))
    "<b>\"x\"\\"
    >>> print(graphviz.quoting.quote(dot_text("two\r\nlines\x07")))
    "two\nlines\\x07"

    A name too long to print whole is shortened (:func:`rnndiagram.labels.shorten`); see
    :func:`full_text` for its tooltip.
    """
    return _literal("\n".join(labels.shorten(line) for line in re.split(r"\r\n|\r|\n", text)))


def _literal(text: str) -> str:
    text = text.replace("\\", "\\\\").replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub(lambda m: f"\\\\x{ord(m.group()):02x}", text)
    return graphviz.nohtml(_fold(text.replace("\n", "\\n")))


def _fold(text: str) -> str:
    r"""``text`` with a line continuation after every :data:`_RUN` characters that hold no
    backslash or quote (dot drops it; see ``_RUN``), never next to a backslash or a quote.

    >>> _fold("a" * 2001) == "a" * 2000 + "\\\n" + "a"
    True
    """
    return _LONG_RUN.sub(lambda m: m[0] + "\\\n", text)


def dot_tooltip(text: str) -> str:
    r"""``text`` for a DOT tooltip, its backslashes shown as ``∖`` (U+2216).

    Graphviz (2.43) unescapes a tooltip before expanding ``\G`` and ``\N`` in it, so even
    a doubled backslash would let a name like ``a\G`` print the graph's id instead.

    >>> print(dot_tooltip('<b>\\N'))
    <b>∖N
    """
    return _literal(text.replace("\\", "\u2216"))


def full_text(lines: Sequence[str]) -> Dict[str, str]:
    """A tooltip with the whole text of ``lines`` where the label shortens one, else none.

    >>> full_text(["lstm_1"]), list(full_text(["x" * 100]))
    ({}, ['tooltip'])
    """
    if all(labels.shorten(line) == line for line in lines):
        return {}
    return {"tooltip": dot_tooltip("\n".join(lines))}


def dot_lines(lines: Sequence[str]) -> str:
    r"""Several lines of text as one DOT label, empty lines and repeats dropped.

    >>> print(dot_lines(["x₁", "", "2", "2"]))
    x₁\n2
    """
    kept: List[str] = []
    for line in lines:
        if line and (not kept or kept[-1] != line):
            kept.append(line)
    return graphviz.nohtml("\\n".join(dot_text(line) for line in kept))


def strip_text(strip: Optional[Strip]) -> str:
    """The numbers of a strip (values mode, up to a handful) or its size.

    >>> strip_text(Strip((4,), (0.0, 0.5, 1.0, -0.25))), strip_text(Strip((8, 8, 5)))
    ('0 | 0.5 | 1 | -0.25', '8×8×5')
    >>> strip_text(Strip((16,), (0.0,) * 16, zero=True))
    '0 · 16'
    >>> strip_text(Strip((16,), (0.5, 1.0)))
    '0.5 | 1 | of 16'
    """
    if strip is None:
        return ""
    if strip.values is not None and len(strip.values) > _MAX_SHOWN_VALUES:
        return f"0 · {labels.dims_text(strip.dims)}" if strip.zero else labels.dims_text(strip.dims)
    if strip.values is not None:
        partial = strip.size is not None and 0 < len(strip.values) < strip.size and not strip.zero
        return " | ".join([labels.number(v) for v in strip.values] + ([f"of {strip.size}"] if partial else []))
    return labels.dims_text(strip.dims)


def _node_label(node: Node) -> str:
    if node.kind == "strip":
        return dot_lines([strip_text(node.strip) or node.label])
    if node.kind in ("input", "init", "final", "box", "merge", "band"):
        return dot_lines([node.label, strip_text(node.strip), node.detail])
    return dot_lines([node.label])


def _node_attrs(node: Node) -> Dict[str, str]:
    attrs = dict(_NODE_STYLE.get(node.kind, {"shape": "box"}))
    attrs["class"] = f"rnd-{node.kind}"
    if node.strip is not None and node.strip.zero:
        attrs["style"] = "dashed"
    if node.faint:
        attrs.update(color=_FAINT, fontcolor=_FAINT)
    if node.layer:
        attrs["tooltip"] = dot_tooltip(node.layer)
    return attrs


def _edge_attrs(edge: Edge) -> Dict[str, str]:
    attrs: Dict[str, str] = {"class": f"rnd-{edge.kind}"}
    lines = [edge.label]
    if edge.kind == "state":
        # the row's invisible chain orders the cells, also for go_backwards rows
        attrs.update(penwidth="2", style="bold", constraint="false")
        if edge.strip is not None and edge.strip.values is not None:
            lines.append(strip_text(edge.strip))
    elif edge.kind == "handoff":
        attrs.update(color=_HANDOFF, fontcolor=_HANDOFF)
    elif edge.kind == "feedback":
        # back down to a later step: it must not pull that step's rows up
        attrs.update(style="dashed", constraint="false")
    if edge.dashed:
        attrs["style"] = "dashed"
    if edge.faint:
        attrs.update(color=_FAINT, fontcolor=_FAINT)
    if any(lines):
        # A flat edge's label takes a rank of its own in dot and pulls the columns out of
        # line; an xlabel is placed after layout, so state labels leave the grid alone.
        attrs["xlabel" if edge.kind == "state" else "label"] = dot_lines(lines)
    return attrs


def _row_order(nodes: Sequence[Node], columns: int) -> List[Node]:
    """A row left to right: states on the left, the columns (lanes in order), the right side."""
    def place(node: Node) -> Tuple[int, int]:
        if node.col is not None:
            return node.col, node.lane[0]
        if node.kind == "band":
            return columns // 2, 0
        return (-1 if node.side < 0 else columns), 0
    return sorted(nodes, key=place)  # stable, so graph order breaks ties


def _row_gaps(graph: UnrolledGraph) -> Dict[Tuple[int, int], int]:
    """Per (panel, row), the ``minlen`` (in ``nodesep``) that its widest state label needs:
    one more for every 8 characters, as xlabels take no room of their own."""
    by_id = {node.id: node for node in graph.nodes}
    gaps: Dict[Tuple[int, int], int] = {}
    for edge in (e for e in graph.edges if e.kind == "state"):
        values = strip_text(edge.strip) if edge.strip and edge.strip.values else ""
        key = (by_id[edge.src].panel, by_id[edge.src].row)
        gaps[key] = max(gaps.get(key, 1), 1 + max(len(edge.label), len(values)) // 8)
    return gaps


def _panel(dot: graphviz.Digraph, panel: Panel, rows: Dict[int, List[Node]], gaps: Dict[int, int]) -> None:
    ncols = len(panel.columns)
    with dot.subgraph(name=f"cluster_p{panel.index}") as box:
        box.attr(label=dot_text(panel.title), style="rounded", color="#cccccc", fontcolor="#666666")
        titled = set()  # the runs of blocks drawn once whose title is written (on their first row)
        side_links, sides = _side_links(rows)
        gutters: List[str] = []  # bottom to top, kept in one straight column left of the steps
        for index in sorted(rows):
            ordered = _row_order(rows[index], ncols)
            row = panel.rows[index]
            chain = [dot_id(n.id) for n in ordered]
            gutter = row.gutter
            if row.repeat and row.repeat not in titled:
                titled.add(row.repeat)
                gutter = (row.repeat, *gutter)
            with box.subgraph(name=f"p{panel.index}_r{index}") as same:
                same.attr(rank="same")
                if any(gutter):
                    chain.insert(0, f"gutter_p{panel.index}_r{index}")
                    same.node(chain[0], dot_lines(gutter), shape="plaintext", fontsize="10",
                              group=f"p{panel.index}g", **full_text(gutter))
                    gutters.append(chain[0])
                for node in ordered:
                    attrs = _node_attrs(node)
                    if node.col is not None:  # edges within a group are kept straight
                        attrs["group"] = f"p{panel.index}c{node.col}"
                    elif node.id in sides:
                        attrs["group"] = f"p{panel.index}{sides[node.id]}"
                    same.node(dot_id(node.id), _node_label(node), **attrs)
                if row.legend:
                    chain.append(f"legend_p{panel.index}_r{index}")
                    same.node(chain[-1], dot_text(row.legend), shape="plaintext", fontsize="10",
                              fontcolor="#666666")
            for left, right in zip(chain, chain[1:]):
                box.edge(left, right, style="invis", weight=_GRID_WEIGHT, minlen=str(gaps.get(index, 1)))
        for a, b in _column_links(rows, ncols) + side_links:
            box.edge(dot_id(a.id), dot_id(b.id), style="invis", weight=_GRID_WEIGHT)
        for below, above in zip(gutters, gutters[1:]):
            box.edge(below, above, style="invis", weight=_GRID_WEIGHT)


def _side_links(rows: Dict[int, List[Node]]) -> Tuple[List[Tuple[Node, Node]], Dict[str, str]]:
    """The states beside the steps (a row's initial states left, its final states right; a
    backward row's the other way round) of two neighbouring rows in columns of their own,
    as the steps are: the k-th on the left of a row over the k-th of the row below, linked
    and grouped (``L0``, ``R1``...). Left alone, dot pulls a state toward the cluster its
    edge leads to: a backward encoder's final states stood right of its steps, beside the
    decoder, not over the forward encoder's initial states."""
    links: List[Tuple[Node, Node]] = []
    groups: Dict[str, str] = {}
    below: Dict[str, Node] = {}
    for index in sorted(rows):
        here: Dict[str, Node] = {}
        for side, key in ((-1, "L"), (1, "R")):
            beside = [n for n in rows[index] if n.col is None and n.kind != "band" and n.side == side]
            here.update((f"{key}{k}", node) for k, node in enumerate(beside))
        for key, node in here.items():
            if below.get(key) is not None and below[key].row == index - 1:
                links.append((below[key], node))
                groups[node.id] = groups.setdefault(below[key].id, f"{key}r{below[key].row}")
        below = here
    return links, groups


def _column_links(rows: Dict[int, List[Node]], ncols: int) -> List[Tuple[Node, Node]]:
    """Invisible edges up each column (over rows that skip it), then one between any two
    neighbouring rows still unlinked (a band, a single box), so rows keep their order."""
    ids = sorted(rows)
    links: List[Tuple[Node, Node]] = []
    for col in range(ncols):
        stack = [n for n in (next((n for n in rows[r] if n.col == col), None) for r in ids) if n]
        links += zip(stack, stack[1:])
    linked = {(a.row, b.row) for a, b in links}
    links += [(rows[lo][0], rows[hi][0]) for lo, hi in zip(ids, ids[1:]) if (lo, hi) not in linked]
    return links


def render_dot(graph: UnrolledGraph) -> str:
    """The graph as DOT source: one cluster per time axis, one ``rank=same`` per row.

    Inputs are at the bottom (``rankdir=BT``) and time runs left to right; invisible,
    heavy edges keep each row in time order and each column straight.
    """
    dot = digraph(graph.name, graph.summary)
    add_unrolled(dot, graph)
    return bounded(dot)


def digraph(name: str, summary: str) -> graphviz.Digraph:
    """An empty drawing with the look every rnndiagram DOT output shares (inputs at the bottom)."""
    dot = graphviz.Digraph(name=dot_id(name))
    # remincross: dot's last pass over the whole graph reorders the nodes of a rank across
    # clusters, and it broke the rows' time order (t2 left of t1 in DeepSpeech2's bands).
    dot.attr("graph", rankdir="BT", newrank="true", remincross="false", nodesep="0.55", ranksep="0.45",
             fontname="Helvetica", labelloc="t", label=dot_text(name),
             tooltip=dot_tooltip(summary))
    dot.attr("node", fontname="Helvetica", fontsize="12", color=_INK, fontcolor=_INK)
    dot.attr("edge", fontname="Helvetica", fontsize="10", color=_INK, arrowsize="0.7")
    return dot


def add_unrolled(dot: graphviz.Digraph, graph: UnrolledGraph) -> None:
    """The unrolled graph's clusters, rows and edges, added to ``dot``."""
    rows: Dict[Tuple[int, int], List[Node]] = {}
    for node in graph.nodes:
        rows.setdefault((node.panel, node.row), []).append(node)
    gaps = _row_gaps(graph)
    for panel in graph.panels:
        _panel(dot, panel, {r: ns for (p, r), ns in rows.items() if p == panel.index},
               {r: g for (p, r), g in gaps.items() if p == panel.index})
    for edge in graph.edges:
        dot.edge(dot_id(edge.src), dot_id(edge.dst), **_edge_attrs(edge))
