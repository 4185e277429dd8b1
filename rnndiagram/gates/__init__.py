"""The gate view: one step inside each recurrent layer's cell, drawn from its spec.

``figure`` is its stage 2 (a ModelSpec in, a :class:`~rnndiagram.gates.parts.GateFigure`,
what to draw, out; each cell drawn by ``recipes``), ``layout`` its stage 3 (a Scene out,
rendered by ``render.svg``) and ``dot`` its Graphviz form.
"""
