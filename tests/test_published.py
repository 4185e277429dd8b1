"""Published recurrent architectures (``published_models.py``) through rnndiagram: the
spec's shapes against real forward passes, the saved-file reader against the live spec,
and the SVG's unrolled cells.

Failures the team knows about are strict xfails whose reason is the exact message (or
the missing drawing), so each one shows up as soon as it is fixed.
"""

from __future__ import annotations

import warnings
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import keras
import numpy as np
import pytest

import rnndiagram
import test_oracle as oracle
from file_specs import as_read
from keras_compat import keras_version, needs_tensorflow
from published_models import MODELS, TEXT_VOCABULARY, esim
from scene_checks import MAX_WIDTH, problems, shared_runs
from rnndiagram.errors import UnsupportedLayerError
from rnndiagram.repeats import fold_repeats
from rnndiagram.saved import read_saved
from rnndiagram.spec import ModelSpec

SVG = "{http://www.w3.org/2000/svg}"

RUNS = ((2, 5), (3, 7))
"""(batch, timesteps) of the two forward passes: a size the spec leaves unknown (None)
must change between them, and a size it gives must be the real one in both."""

MAX_TIMESTEPS = 4
"""rnndiagram's default ``max_timesteps``: longer axes show their first two steps, an
ellipsis and the last step."""


def _unsupported(layer: str, kind: str, rule: str) -> str:
    return (f"cannot read layer {layer!r} ({kind}) without Keras: {rule}; pass --allow-load "
            f"(allow_load=True in the API) to load the file with Keras (safe_mode) instead")


def _unread(layer: str, kind: str, rule: str) -> str:
    """A layer without a shape rule whose output no other layer reads."""
    return _unsupported(layer, kind, f"{rule}, and no layer that reads it records the shapes it gives")


READ_SAVED_REFUSED: Dict[str, str] = {
    "ocr_captcha": _unread("ctc_loss", "CTCLayer", "CTCLayer is a custom layer, which has no shape rule"),
    "pointer_network": _unread("decoder", "PointerDecoder",
                               "PointerDecoder is a custom layer, which has no shape rule"),
    "deepmoji": _unread("attlayer", "AttentionWeightedAverage",
                        "AttentionWeightedAverage is a custom layer, which has no shape rule"),
    "traffic_lstmgc": _unread("st_gcn", "LSTMGC", "LSTMGC is a custom layer, which has no shape rule"),
    "stacked_minimal_cells": _unsupported(
        "stacked_rnn", "RNN", "it runs the custom cell MinimalRNNCell, which has no shape rule"),
}
"""The models the file reader cannot read without Keras, and rightly so: a custom layer that
is the model's output or gives one (no layer records its shape), and an RNN over a custom cell (whose
states only the cell's code knows). The message names the layer and the way out."""


SVG_XFAIL: Dict[str, str] = {}
"""The models whose recurrent steps the SVG does not draw as cells today."""


NEEDS_TENSORFLOW = {"text_classification_rnn"}
"""The models with a layer that Keras makes with TensorFlow only (TextVectorization)."""


def _marked(table: Dict[str, str], **xfail: Any) -> List[Any]:
    return [pytest.param(name, marks=pytest.mark.xfail(reason=table[name], strict=True, **xfail))
            if name in table else _tensorflow(name) for name in MODELS]


def _tensorflow(name: str) -> Any:
    return pytest.param(name, marks=needs_tensorflow(name in NEEDS_TENSORFLOW))


class _Built(dict):  # type: ignore[type-arg]
    """Each model built on first use, once per test run (so one that cannot be built fails
    only its own tests)."""

    def __init__(self, make: Callable[[str], Any]) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, name: str) -> Any:
        self[name] = self.make(name)
        return self[name]


@pytest.fixture(scope="session")
def published_models() -> Dict[str, Any]:
    """Every published model, built once per test run."""
    return _Built(lambda name: MODELS[name]())


@pytest.fixture(scope="session")
def published_specs(published_models: Dict[str, Any]) -> Dict[str, ModelSpec]:
    return _Built(lambda name: rnndiagram.inspect(published_models[name]))


# -- shapes against real forward passes ------------------------------------------------------


def _sample(tensor: Any, vocab: int, rng: np.random.Generator) -> np.ndarray:
    """Input for one model input, sized by the oracle's BATCH and TIMESTEPS.

    Raw strings get TIMESTEPS words each (so TextVectorization makes TIMESTEPS tokens),
    booleans are a random mask, and every number is a valid token id: Keras 2 code reads
    float inputs with an Embedding, and CTC labels must be classes.
    """
    shape = [oracle.BATCH if d is None and axis == 0 else oracle.TIMESTEPS if d is None else d
             for axis, d in enumerate(tensor.shape)]
    dtype = str(tensor.dtype)
    if dtype == "string":
        words = rng.choice(TEXT_VOCABULARY, size=(int(np.prod(shape)), oracle.TIMESTEPS))
        return np.array([" ".join(w) for w in words], dtype=object).reshape(shape)
    if dtype == "bool":
        return rng.random(shape) < 0.8
    return rng.integers(0, vocab, size=shape).astype(dtype)


def _forward_passes(model: Any, monkeypatch: pytest.MonkeyPatch) -> List[Dict[str, Tuple[Any, list]]]:
    monkeypatch.setattr(oracle, "_random_input", _sample)
    runs = []
    for batch, steps in RUNS:
        monkeypatch.setattr(oracle, "BATCH", batch)
        monkeypatch.setattr(oracle, "TIMESTEPS", steps)
        runs.append(oracle.forward_pass_shapes(model))
    return runs


def _check_shapes(spec: ModelSpec, model: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """``test_oracle.check_spec_against_model`` with two forward passes of different batch
    and time sizes, so an unknown size may be any axis (a time-major stack, a batch folded
    by a reshape, a time axis halved by a strided convolution)."""
    runs = _forward_passes(model, monkeypatch)
    layer_calls = {cid for cid, (op, _) in runs[0].items() if isinstance(op, keras.layers.Layer)}
    ids = {layer.id for layer in spec.layers}
    assert layer_calls <= ids, f"layer calls missing from the spec: {layer_calls - ids}"
    by_id = {layer.id: layer for layer in spec.layers}
    for layer in spec.layers:
        op, _ = runs[0][layer.id]
        real = [run[layer.id][1] for run in runs]
        assert len(layer.output_shapes) == len(real[0]), layer.id
        for k, spec_shape in enumerate(layer.output_shapes):
            where = f"{layer.id} output {k}: spec {spec_shape}, real {[r[k] for r in real]}"
            assert all(len(r[k]) == len(spec_shape) for r in real), where
            for axis, want in enumerate(spec_shape):
                sizes = {r[k][axis] for r in real}
                if want is None:
                    assert len(sizes) > 1, f"{where}: axis {axis} is unknown in the spec but fixed"
                else:
                    assert sizes == {want}, where
        oracle.check_layer_consistency(layer, by_id)
        wrapped = layer.wrapped.model if layer.wrapped is not None else None
        for nested, inner in ((layer.model, layer.model and oracle.nested_model(op)),
                              (wrapped, getattr(op, "layer", None))):
            if nested is not None and inner is None:  # a call traced at two batch sizes
                oracle.check_spec_against_batches(nested, op)
            elif nested is not None:
                _check_shapes(nested, inner, monkeypatch)
    for ref in spec.outputs:
        assert ref.shape == by_id[ref.layer].output_shapes[ref.tensor]


KERAS_CANNOT_RUN = {"nmt_luong_attention", "ner_char_embeddings", "deepmoji"}
"""Models that Keras 3.7 to 3.11 build but cannot run: a mask's BroadcastTo fails with
"Attempt to convert a value (None) ... to a Tensor" (fixed in Keras 3.12)."""


def _runnable(name: str) -> Any:
    return pytest.param(name, marks=[needs_tensorflow(name in NEEDS_TENSORFLOW), pytest.mark.xfail(
        name in KERAS_CANNOT_RUN and keras_version() < (3, 12), raises=ValueError, strict=True,
        reason="Keras before 3.12 cannot run this model (BroadcastTo of a mask)")])


@pytest.mark.slow  # runs every published model
@pytest.mark.parametrize("name", [_runnable(name) for name in MODELS])
def test_shapes_match_real_forward_passes(name: str, published_models: Dict[str, Any],
                                          published_specs: Dict[str, ModelSpec],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    _check_shapes(published_specs[name], published_models[name], monkeypatch)


# -- the saved-file reader ---------------------------------------------------------------------


@pytest.mark.parametrize("name", [_tensorflow(name) for name in MODELS])
def test_saved_file_reads_back_as_the_live_spec(name: str, tmp_path: Path, published_models: Dict[str, Any],
                                                published_specs: Dict[str, ModelSpec]) -> None:
    path = tmp_path / f"{name}.keras"
    published_models[name].save(path)
    if name in READ_SAVED_REFUSED:
        with pytest.raises(UnsupportedLayerError) as refused:
            read_saved(path)
        assert str(refused.value) == READ_SAVED_REFUSED[name]
        assert read_saved(path, allow_load=True) == published_specs[name]
        return
    spec = read_saved(path)
    known = as_read(published_specs[name], spec)  # a custom class's code is not run
    assert spec.to_dict() == known.to_dict()
    assert spec == known


# -- the SVG ------------------------------------------------------------------------------------


def _shown_steps(timesteps: Optional[int], most: int = MAX_TIMESTEPS) -> int:
    if timesteps is not None and timesteps <= most:
        return timesteps
    return most - 1  # the first steps and the last; the ellipsis is no cell


def _expected_cells(spec: ModelSpec, expand_nested: Optional[bool] = None, prefix: str = "",
                    most: int = MAX_TIMESTEPS) -> Counter:
    """How many ``rnd-cell`` groups each drawn layer should have: one per shown step and
    direction of each recurrent layer (a cell called directly is one step); a loop's calls
    are one layer of as many steps, drawn under its first call's id; the layers of a
    nested model, or of what a TimeDistributed runs, are drawn when they hold a recurrent
    layer (``expand_nested`` None), always (True) or never (False)."""
    expected: Counter = Counter()
    looped = {call: loop for loop in spec.loops for call in loop.calls}
    for layer in spec.layers:
        rec = layer.recurrent
        if layer.id in looped:
            loop = looped[layer.id]
            if layer.id == loop.calls[0]:
                expected[prefix + layer.id] = _shown_steps(len(loop.calls), most)
        elif rec is not None:
            expected[prefix + layer.id] = _shown_steps(rec.timesteps, most) * (2 if rec.bidirectional else 1)
        elif layer.model is not None and _drawn_inside(layer.model, expand_nested):
            calls = [l for l in spec.layers if l.name == layer.name]
            if len(calls) >= 2 and _steps_once(layer.model):  # a nested model called once per step
                if layer is calls[0]:
                    expected += Counter({f"{prefix}{layer.id}/{inner.id}": _shown_steps(len(calls), most)
                                         for inner in layer.model.layers if inner.recurrent is not None})
            else:
                expected += _expected_cells(layer.model, expand_nested, f"{prefix}{layer.id}/", most)
        wrapped = layer.wrapped
        if wrapped is not None and wrapped.model is not None and _drawn_inside(wrapped.model, expand_nested):
            expected += _expected_cells(wrapped.model, expand_nested, f"{prefix}{layer.id}/", most)
        elif wrapped is not None and wrapped.recurrent is not None and expand_nested is not False:
            expected[f"{prefix}{layer.id}/{wrapped.name}"] = _shown_steps(wrapped.recurrent.timesteps, most)
    return expected


def _steps_once(model: ModelSpec) -> bool:
    """Whether each recurrent layer of a model runs one step (so that the model, called in a
    Python loop, is one step of that loop)."""
    recurrent = [l.recurrent for l in model.layers if l.recurrent is not None]
    return bool(recurrent) and all(r.step or r.timesteps == 1 for r in recurrent)


def _drawn_inside(model: ModelSpec, expand_nested: Optional[bool]) -> bool:
    if expand_nested is not None:
        return expand_nested
    return any(l.recurrent is not None or (l.model is not None and _drawn_inside(l.model, None))
               or (l.wrapped is not None and l.wrapped.recurrent is not None) for l in model.layers)


def _drawn_cells(svg: str) -> Counter:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return Counter(g.get("data-layer") for g in root.iter(f"{SVG}g")
                   if "rnd-cell" in g.get("class", "").split())


@pytest.mark.parametrize("name", _marked(SVG_XFAIL, raises=AssertionError))
def test_svg_draws_one_cell_per_shown_step(name: str, published_specs: Dict[str, ModelSpec]) -> None:
    """Counted at the steps the drawing shows: the default's, or the fewest where the model
    is too wide for the budget at the default (DeepMoji)."""
    spec = published_specs[name]
    drawn, most = _drawn_and_shown(spec, fold_repeats=False)
    assert drawn == _expected_cells(spec, most=most)
    # A run of identical blocks is drawn once: only its first block's cells.
    drawn, most = _drawn_and_shown(spec)
    assert drawn == _expected_cells(fold_repeats(spec)[0], most=most)


def _drawn_and_shown(spec: ModelSpec, **options: Any) -> Tuple[Counter, int]:
    """The cells drawn of each layer, and the most steps a time axis shows (3 where the
    drawing says it shows fewer to fit the budget)."""
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        svg = rnndiagram.diagram(spec, **options).to_svg()
    fewer = any("each time axis shows 3 steps" in str(w.message) for w in said)
    return _drawn_cells(svg), 3 if fewer else MAX_TIMESTEPS


@pytest.mark.parametrize("name", [_tensorflow(name) for name in MODELS])
def test_layout_reads_cleanly(name: str, published_specs: Dict[str, ModelSpec]) -> None:
    """Nothing overlaps or sticks out, no edge crosses a box, shares a line with an
    unrelated edge or points down; the width stays within the budget."""
    scene = rnndiagram.diagram(published_specs[name]).scene
    assert problems(scene) == []
    assert scene.width <= MAX_WIDTH


@pytest.mark.parametrize("name", [_tensorflow(name) for name in MODELS])
def test_every_model_output_is_drawn(name: str, published_specs: Dict[str, ModelSpec]) -> None:
    """Each of the model's outputs is marked where it is drawn (on each shown step of a
    sequence; with its loops unfolded, as the outputs of a loop's elided steps are not
    drawn). DeepMoji's attention weights, the second output of its custom attention layer,
    were not drawn at all, and a sequence made on a time axis of its own (a forecast
    transposed back, a pointer network's stacked steps) was not marked."""
    spec = published_specs[name]
    marked = {n.output for n in rnndiagram.diagram(spec, fold_loops=False).figure.nodes if n.output is not None}
    assert marked == set(range(len(spec.outputs)))


@pytest.mark.parametrize("view", [{"view": "rolled"}, {"view": "both"}, {"cell": "gates"}],
                         ids=["rolled", "both", "gates"])
@pytest.mark.parametrize("name", [_tensorflow(name) for name in MODELS])
def test_every_view_draws_cleanly(name: str, view: Dict[str, str], published_specs: Dict[str, ModelSpec]) -> None:
    """The other views draw every published model (jazz_improvisation's loop makes new
    layers at every step, first in its second step) with nothing overlapping."""
    assert problems(rnndiagram.diagram(published_specs[name], **view).scene) == []


NESTED = ["residual_lstm", "siamese_malstm", "babi_memnn"]
"""The models with a nested model (a recurrent one for the first two)."""


@pytest.mark.parametrize("name", NESTED)
def test_svg_with_nested_models_expanded_draws_their_cells(name: str,
                                                           published_specs: Dict[str, ModelSpec]) -> None:
    spec = published_specs[name]
    assert any(layer.model is not None for layer in spec.layers)
    drawn = _drawn_cells(rnndiagram.diagram(spec, expand_nested=True).to_svg())
    assert drawn == _expected_cells(spec, expand_nested=True)
    collapsed = _drawn_cells(rnndiagram.diagram(spec, expand_nested=False).to_svg())
    assert collapsed == _expected_cells(spec, expand_nested=False)


def test_bidaf_span_logits_are_one_block_not_a_time_axis(published_specs: Dict[str, ModelSpec]) -> None:
    """BiDAF's start and end logits stacked on axis 1, (None, 2, None), are one tensor: no
    layer steps over that axis of 2, so it is no time axis (it was drawn as T = 2); the
    context the logits are over stays a sequence."""
    spec = published_specs["bidaf_span_output"]
    graph = rnndiagram.diagram(spec).graph
    stacked = [n for n in graph.nodes if n.layer == "combine_outputs"]
    assert [n.kind for n in stacked] == ["box", "strip"]
    assert all(n.t is None for n in stacked)
    assert "T = 2" not in [p.title for p in graph.panels]
    begin = [n for n in graph.nodes if n.layer == "span_begin_dense"]
    assert len([n for n in begin if n.kind == "box" and n.t is not None]) > 1  # one box per step


@pytest.mark.slow  # builds and draws a model of 28 layer calls
def test_esim_edges_share_no_line() -> None:
    """ESIM's edge into the last Subtract step rose from its track to the Subtract at the x
    where the aligned hypothesis's second step rose from its strip to a higher track, so the
    two ran along one line; the edge going up into a node now takes a track above the one
    whose way up from its source it would cross."""
    scene = rnndiagram.diagram(rnndiagram.inspect(esim())).scene
    assert shared_runs(scene) == []
    assert problems(scene) == []


@pytest.mark.slow  # builds and draws a model of 28 layer calls
def test_esims_hypothesis_side_continues_on_one_panel() -> None:
    """ESIM's hypothesis side reads the premise's panel (its aligned premise), which reads
    the hypothesis encoder's: each of its layers over the hypothesis steps goes on a panel
    above both. Its difference, product, concatenation and what follows share one such
    panel, as the premise's do theirs; each took one of its own ("T = ?" twice, beside each
    other), the first three apart from the composition above them."""
    graph = rnndiagram.diagram(rnndiagram.inspect(esim())).graph
    panels = {row.layer: panel.index for panel in graph.panels for row in panel.rows}
    side = ["hypothesis_diff", "hypothesis_prod", "hypothesis_enhanced", "projection@1", "composition@1",
            "hypothesis_avg"]
    assert len({panels[layer] for layer in side}) == 1
    assert panels["hypothesis_diff"] not in (panels["encoder@1"], panels["hypothesis_aligned"])
    assert [p.kind for p in graph.panels].count("time") == 3  # premise, hypothesis, the hypothesis side
