"""Directives for rnndiagram's own documentation: pages generated from the package itself.

``.. rnndiagram-gallery::`` writes one section per built-in example (title, description,
live diagram, source); ``.. rnndiagram-spec:: NAME`` prints an example's model spec JSON.
So a new example, or a change to the spec, shows up in the docs without editing them.
"""

from __future__ import annotations

import inspect as pyinspect
import textwrap
from typing import Any, Dict, List

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

import rnndiagram
from rnndiagram import examples


class GalleryDirective(SphinxDirective):
    """Every built-in example, drawn live by the ``rnndiagram`` directive."""

    def run(self) -> List[nodes.Node]:
        lines: List[str] = []
        for name in examples.names():
            example = examples.get(name)
            source = textwrap.dedent(pyinspect.getsource(example.build)).rstrip()
            lines += [example.title, "-" * len(example.title), "", example.description, "",
                      f".. rnndiagram:: example:{name}", f"   :caption: ``example:{name}``"]
            if example.tokens:
                lines.append(f"   :tokens: {' '.join(example.tokens)}")
            lines += ["", ".. code-block:: python", ""] + [f"   {line}" for line in source.splitlines()] + [""]
        holder = nodes.section()
        nested_parse_with_titles(self.state, StringList(lines, source=self.get_source_info()[0]), holder)
        return holder.children


class SpecDirective(SphinxDirective):
    """The model spec JSON of one built-in example."""

    required_arguments = 1

    def run(self) -> List[nodes.Node]:
        spec = rnndiagram.inspect(examples.build(self.arguments[0]))
        block = nodes.literal_block(spec.to_json(), spec.to_json(), language="json")
        return [block]


def setup(app: Sphinx) -> Dict[str, Any]:
    app.add_directive("rnndiagram-gallery", GalleryDirective)
    app.add_directive("rnndiagram-spec", SpecDirective)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
