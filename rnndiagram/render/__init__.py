"""Stage 4, renderers: a Scene to SVG text, an UnrolledGraph to DOT text."""
