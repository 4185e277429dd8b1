"""The size budget: at default options every example and every published model draws its
unrolled view within 1,600 x 3,000 px, or, where the team knows it does not yet, warns of it.

A model over the budget is a strict expected failure whose reason says by how much, so it
shows up as soon as it fits.
"""

from __future__ import annotations

import warnings

import pytest

import rnndiagram
from keras_compat import needs_tensorflow
from published_models import MODELS, esim
from rnndiagram import examples
from rnndiagram.views.unrolled import BUDGET

BUILDERS = {**{f"example:{n}": (lambda n=n: examples.build(n)) for n in examples.names()},
            **{f"published:{n}": b for n, b in MODELS.items()}, "published:esim": esim}

OVER = {
    "published:bidaf_span_output": "1,532 x 3,750 px: five BiLSTM rows and the per-query-step attention "
                                   "(Dot, Softmax, Dot, Multiply, Concatenate) stacked on one time axis",
    "published:da_rnn": "1,588 x 3,970 px: two folded loops (encoder and decoder) of a dozen per-step rows each, "
                        "one above the other",
    "published:esim": "1,588 x 5,074 px (three steps a time axis): two texts through four BiLSTMs, attention "
                      "and merges; kept out of MODELS for its size",
}


NEEDS_TENSORFLOW = {"published:text_classification_rnn"}
"""The models with a layer that Keras makes with TensorFlow only (TextVectorization)."""


def _case(name):
    if name in OVER:
        return pytest.param(name, marks=pytest.mark.xfail(reason=OVER[name], strict=True))
    return pytest.param(name, marks=needs_tensorflow(name in NEEDS_TENSORFLOW))


@pytest.mark.slow  # draws every example and published model
@pytest.mark.parametrize("name", [_case(n) for n in BUILDERS])
def test_the_unrolled_view_fits_the_budget_or_says_it_does_not(name):
    model = BUILDERS[name]()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scene = rnndiagram.diagram(model).scene
    said = [str(w.message) for w in caught if issubclass(w.category, rnndiagram.RnnDiagramWarning)]
    over = scene.width > BUDGET[0] or scene.height > BUDGET[1]
    assert any("budget" in s for s in said) == over, said  # over the budget exactly when warned of
    assert not over, f"{scene.width:,.0f} x {scene.height:,.0f} px"
