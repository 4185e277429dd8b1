"""Stage 2, unroll: a ModelSpec and options in, an UnrolledGraph (what to draw) out.

Which timesteps are shown, and where the ellipsis goes, is decided here and only here.
``unroll`` inlines nested models, plans the folded loops, then draws each layer (or loop)
in order on one :class:`~.canvas.Canvas`; :func:`draw_layer` chooses, from the layer's spec
(its role, its ``steps``, its shapes) and where its inputs are drawn, the module that draws
it: ``recurrent`` (rows of cells), ``stack`` (a box of vectors), ``merge`` (a merge per
step), ``per_step`` (a box per step, or per query step) or ``band`` (the whole sequence).
No class name decides anything here: what a class means is the reader's layer table's.
"""

from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

from .. import labels
from ..loops import one_step
from ..options import DiagramOptions
from ..spec import Connection, LayerSpec, ModelSpec, RepeatSpec, Values
from .band import add_band
from .canvas import Canvas
from .chains import Chain, draw_chain, plan_chains
from .drafts import _Handle, _PanelDraft
from .folded import draw_fold
from .folding import Fold, left_out, plan_loops, schedule
from .graph import UnrolledGraph
from .inputs import draw_input
from .merge import add_step_merges
from .nesting import drawn_spec
from .per_step import add_per_step
from .recurrent import add_recurrent
from .sequences import as_sequence, steps_through
from .stack import add_head_box

def unroll(spec: ModelSpec, options: Optional[DiagramOptions] = None,
           values: Optional[Values] = None) -> UnrolledGraph:
    """Unroll every recurrent layer of ``spec`` over its shown timesteps."""
    options = options or DiagramOptions()
    spec, runs, repeats = drawn_spec(spec, options)
    folds, why = plan_loops(spec) if options.fold_loops else ([], {})
    order = schedule(spec, folds)
    why.update(left_out(folds, order))
    canvas = Canvas(spec, options, values, runs, repeats, notes={call: (f"a loop, not folded: {reason}",)
                                                                    for call, reason in why.items()})
    apart = {r.layer for r in runs.values()} | set(runs)
    for layer in plan_chains(spec, order, apart):
        if isinstance(layer, Fold):
            draw_fold(canvas, spec, layer)
        elif isinstance(layer, Chain):
            draw_chain(canvas, layer, draw_layer)
        elif layer.role == "input":
            draw_input(canvas, layer)
        else:
            draw_layer(canvas, layer)
    return canvas.graph(summary(spec, tuple(dict.fromkeys(repeats.values()))))


def draw_layer(c: Canvas, layer: LayerSpec) -> None:
    """Draw a layer on the time axis of its first sequence: twins that read the same
    sequence stack their rows on it, as a Bidirectional's two directions do."""
    inputs = c.data_inputs(layer)
    if inputs and steps_through(layer) and inputs[0][1].per_col is None \
            and len(inputs[0][0].shape) >= 3 and c.batch_first(inputs[0][0].shape):
        inputs[0] = (inputs[0][0], as_sequence(c, *inputs[0]))
    elif inputs and layer.recurrent is not None and layer.recurrent.step and inputs[0][1].per_col is None:
        inputs[0] = (inputs[0][0], as_sequence(c, *inputs[0], step=True))
    sequence_in = next((h for _, h in inputs if h.per_col is not None), None)
    if sequence_in is not None and _reads_a_reader(c, layer, sequence_in.panel):
        # Drawn over the same steps on a panel of their own, above the panel it reads from
        # that itself reads the sequence's panel: so every edge still runs upwards.
        old = sequence_in
        continued = _continuation(c, inputs, old.panel)
        sequence_in = _Handle(continued.index, old.dims, per_col=old.per_col)
        inputs = [(i, sequence_in if h is old else h) for i, h in inputs]
    if sequence_in is None:
        add_head_box(c, layer, inputs)
        return
    timesteps = c.panel(sequence_in.panel).timesteps
    if layer.recurrent is not None:
        add_recurrent(c, layer, sequence_in)
    elif layer.role == "merge" and layer.steps is None and _same_time_axis(layer, timesteps) \
            and all(h.per_col is not None and c.panel(h.panel).timesteps == timesteps for _, h in inputs):
        add_step_merges(c, layer, inputs, sequence_in)
    elif _same_time_axis(layer, timesteps) and _per_step(layer, inputs, sequence_in):
        add_per_step(c, layer, sequence_in, inputs)
    else:
        add_band(c, layer, inputs, sequence_in)


def _continuation(c: Canvas, inputs: List[Tuple[Connection, _Handle]], panel: int) -> _PanelDraft:
    """The panel that continues ``panel``'s steps for a layer reading ``inputs``: the
    latest one made for an earlier layer that no panel the layer reads reads (ESIM's
    hypothesis side: its difference, product, concatenation and what follows, each over
    the hypothesis steps, on one panel, not one each), else a new one."""
    reads = {h.panel for _, h in inputs}
    for index in reversed(c.continued.get(panel, [])):
        if not any(q != index and c.depends(q, index) for q in reads):
            return c.panel(index)
    continued = c.new_panel(c.panel(panel).timesteps)
    c.continued.setdefault(panel, []).append(continued.index)
    return continued


def _reads_a_reader(c: Canvas, layer: LayerSpec, panel: int) -> bool:
    """Whether the layer also reads (data or state) from a panel that reads ``panel``."""
    others = {c.handles[(i.layer, i.tensor)].panel for i in layer.inbound
              if i.kind != "mask" and (i.layer, i.tensor) in c.handles}
    return any(q != panel and c.depends(q, panel) for q in others)


def _per_step(layer: LayerSpec, inputs: List[Tuple[Connection, _Handle]], source: _Handle) -> bool:
    """Whether step t of the layer reads step t of its sequence alone: a per-step layer,
    or one that reads every step of another tensor for each of its own (attention, a
    ``Dot`` of queries with keys drawn elsewhere)."""
    if layer.role == "per_step" or layer.steps == "per_query_step":
        return True
    others = [h for _, h in inputs if h is not source]
    return bool(others) and all(h.per_col is None or h.panel != source.panel for h in others)


def _same_time_axis(layer: LayerSpec, timesteps: Optional[int]) -> bool:
    out = layer.output_shapes[0]
    return len(out) >= 3 and out[1] == timesteps


def summary(spec: ModelSpec, folded: Sequence[RepeatSpec] = ()) -> str:
    """One sentence per recurrent layer, for ``<desc>`` and alt text; and one per run of
    blocks ``folded`` into its first block (whose layers are counted too)."""
    parts = []
    loops = {loop.calls[0]: loop for loop in spec.loops}
    later = {call for loop in spec.loops for call in loop.calls[1:]}
    for layer in spec.recurrent_layers:
        rec = layer.recurrent
        assert rec is not None
        if layer.id in later:
            continue
        steps = "an unknown number of" if rec.timesteps is None else str(rec.timesteps)
        seq = "every step" if rec.return_sequences else "the last step"
        if layer.id in loops:
            each = "one step" if one_step(rec) else f"{steps} timesteps"
            parts.append(f"{layer.name} is {labels.recurrent_phrase(rec)} called once per step of a loop of "
                         f"{len(loops[layer.id].calls)} steps, each call over {each}.")
            continue
        parts.append(f"{layer.name} is {labels.recurrent_phrase(rec)} unrolled over {steps} "
                     f"timesteps, returning the output of {seq}.")
    outs = ", ".join(labels.shape_text(o.shape) for o in spec.outputs)
    count = len(spec.layers) + sum(r.period * (r.count - 1) for r in folded)
    head = f"Keras model {spec.name} with {count} layers; output {outs}."
    runs = [f"{labels.repeat_title(r)}: {r.count} {'layers' if r.period == 1 else f'blocks of {r.period} layers'} "
            f"alike, drawn once." for r in folded]
    return " ".join([head] + parts + runs)
