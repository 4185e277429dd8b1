"""keras.ops operations as nodes of a functional model: the file reader's op rules give the
spec that introspecting the live model gives.

Each case calls an op on Keras inputs, makes the result a model output, saves the model and
compares ``read_saved`` and ``read_config_json`` with ``inspect``. The op named by the case
must be the one Keras stored for the output, so each rule is exercised by name.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple

import keras
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from keras import ops

from rnndiagram import inspect
from rnndiagram.read.calls import Unsupported
from rnndiagram.read.config import Cfg
from rnndiagram.read.rules.base import CallShapes
from rnndiagram.read.rules.ops import OPS as OP_RULES
from rnndiagram.errors import SourceError
from rnndiagram.saved import read_config_json, read_saved

Spec = Tuple[Tuple[Optional[int], ...], str]
pytestmark = pytest.mark.usefixtures("keep_keras_auto_names")

X: List[Spec] = [((5, 3), "float32")]
"""The default input: a batch of sequences of 5 steps of 3 features."""


def f(*shape: Optional[int]) -> Spec:
    return shape, "float32"


def i(*shape: Optional[int]) -> Spec:
    return shape, "int32"


class OpCase(NamedTuple):
    kind: str
    fn: Callable[..., Any]
    inputs: Sequence[Spec] = X


def unary(kind: str, fn: Callable[[Any], Any], inputs: Sequence[Spec] = X) -> OpCase:
    return OpCase(kind, fn, inputs)


UNARY = {
    "Absolute": ops.abs, "Fabs": ops.fabs, "Arccos": ops.arccos, "Arccosh": ops.arccosh,
    "Arcsin": ops.arcsin, "Arcsinh": ops.arcsinh, "Arctan": ops.arctan, "Arctanh": ops.arctanh,
    "Cbrt": ops.cbrt, "Ceil": ops.ceil, "Conjugate": ops.conj, "Copy": ops.copy,
    "Cos": ops.cos, "Cosh": ops.cosh, "Deg2rad": ops.deg2rad, "Exp": ops.exp, "Exp2": ops.exp2,
    "Expm1": ops.expm1, "Floor": ops.floor, "Imag": ops.imag, "Isfinite": ops.isfinite,
    "Isinf": ops.isinf, "Isnan": ops.isnan, "Isneginf": ops.isneginf, "Isposinf": ops.isposinf,
    "Isreal": ops.isreal, "Log": ops.log, "Log10": ops.log10, "Log1p": ops.log1p, "Log2": ops.log2,
    "LogicalNot": ops.logical_not, "NanToNum": ops.nan_to_num, "Negative": ops.negative,
    "OnesLike": ops.ones_like, "ZerosLike": ops.zeros_like, "EmptyLike": ops.empty_like,
    "Rad2deg": ops.rad2deg, "Real": ops.real, "Reciprocal": ops.reciprocal, "Round": ops.round,
    "Sign": ops.sign, "Signbit": ops.signbit, "Sin": ops.sin, "Sinc": ops.sinc, "Sinh": ops.sinh,
    "Sqrt": ops.sqrt, "Square": ops.square, "Tan": ops.tan, "Tanh": ops.tanh, "Trunc": ops.trunc,
    "Fliplr": ops.fliplr, "Flipud": ops.flipud, "Tril": ops.tril, "Triu": lambda x: ops.triu(x, k=1),
    "Relu": ops.relu, "Relu6": ops.relu6, "Sigmoid": ops.sigmoid, "Softplus": ops.softplus,
    "Softsign": ops.softsign, "SoftShrink": ops.soft_shrink, "SparsePlus": ops.sparse_plus,
    "Silu": ops.silu, "Squareplus": ops.squareplus, "LogSigmoid": ops.log_sigmoid,
    "LeakyRelu": lambda x: ops.leaky_relu(x, 0.1), "HardSigmoid": ops.hard_sigmoid,
    "HardSilu": ops.hard_silu, "Elu": ops.elu, "Selu": ops.selu, "Gelu": ops.gelu, "Celu": ops.celu,
    "TanhShrink": ops.tanh_shrink, "HardTanh": ops.hard_tanh, "HardShrink": ops.hard_shrink,
    "Threshold": lambda x: ops.threshold(x, 0.5, 0.0), "Softmax": lambda x: ops.softmax(x, axis=1),
    "LogSoftmax": ops.log_softmax, "SparseSigmoid": ops.sparse_sigmoid, "Sparsemax": ops.sparsemax,
    "Normalize": lambda x: ops.normalize(x, axis=1), "Erf": ops.erf, "Erfc": ops.erfc,
    "Erfinv": ops.erfinv, "Rsqrt": ops.rsqrt, "Cast": lambda x: ops.cast(x, "int32"),
    "SaturateCast": lambda x: ops.saturate_cast(x, "uint8"), "StopGradient": ops.stop_gradient,
    "Flip": lambda x: ops.flip(x, axis=1), "Roll": lambda x: ops.roll(x, 2, axis=1),
    "Clip": lambda x: ops.clip(x, 0.0, 1.0), "FullLike": lambda x: ops.full_like(x, 2.0),
    "Digitize": lambda x: ops.digitize(x, x[0, 0]),
}

INT_UNARY = {"BitwiseInvert": ops.bitwise_invert, "BitwiseNot": ops.bitwise_not}

BINARY = {
    "Add": ops.add, "Subtract": ops.subtract, "Multiply": ops.multiply, "Divide": ops.divide,
    "TrueDivide": ops.true_divide, "FloorDivide": ops.floor_divide, "DivideNoNan": ops.divide_no_nan,
    "Power": ops.power, "Mod": ops.mod, "Fmod": ops.fmod, "Maximum": ops.maximum, "Minimum": ops.minimum,
    "Fmax": ops.fmax, "Fmin": ops.fmin, "Arctan2": ops.arctan2, "Hypot": ops.hypot,
    "Logaddexp": ops.logaddexp, "Logaddexp2": ops.logaddexp2, "Equal": ops.equal, "NotEqual": ops.not_equal,
    "Greater": ops.greater, "GreaterEqual": ops.greater_equal, "Less": ops.less,
    "LessEqual": ops.less_equal, "LogicalAnd": ops.logical_and, "LogicalOr": ops.logical_or,
    "LogicalXor": ops.logical_xor, "Heaviside": ops.heaviside, "Nextafter": ops.nextafter,
}

INT_BINARY = {
    "BitwiseAnd": ops.bitwise_and, "BitwiseOr": ops.bitwise_or, "BitwiseXor": ops.bitwise_xor,
    "BitwiseLeftShift": ops.bitwise_left_shift, "BitwiseRightShift": ops.bitwise_right_shift,
    "LeftShift": ops.left_shift, "RightShift": ops.right_shift, "Gcd": ops.gcd, "Lcm": ops.lcm,
}

REDUCTIONS = {
    "Sum": ops.sum, "Mean": ops.mean, "Max": ops.max, "Min": ops.min, "Prod": ops.prod, "Std": ops.std,
    "Var": ops.var, "Any": ops.any, "All": ops.all, "Amax": ops.amax, "Amin": ops.amin,
    "Nansum": ops.nansum, "Nanmean": ops.nanmean, "Nanmax": ops.nanmax, "Nanmin": ops.nanmin,
    "Nanprod": ops.nanprod, "Nanstd": ops.nanstd, "Nanvar": ops.nanvar, "Median": ops.median,
    "Nanmedian": ops.nanmedian, "Ptp": ops.ptp, "Logsumexp": ops.logsumexp, "Norm": ops.norm,
}

NO_LITERAL = {"Hypot", "Heaviside"}
"""Ops that refuse a Python number as an operand (their compute_output_spec reads its dtype)."""

ARG_REDUCTIONS = {"Argmax": ops.argmax, "Argmin": ops.argmin, "Nanargmax": ops.nanargmax,
                  "Nanargmin": ops.nanargmin}


def op_cases() -> List[OpCase]:
    c = OpCase
    table = [c(kind, fn) for kind, fn in UNARY.items()]
    table += [c(kind, fn, [i(5, 3)]) for kind, fn in INT_UNARY.items()]
    for kind, fn in BINARY.items():
        table += [c(kind, fn, [f(5, 3), f(1, 3)])]                     # broadcasting two tensors
        if kind not in NO_LITERAL:
            table += [c(kind, lambda x, fn=fn: fn(x, 2.0))]            # a literal scalar operand
    table += [c(kind, fn, [i(5, 3), i(3)]) for kind, fn in INT_BINARY.items()]
    table += [c("Ldexp", lambda x, n: ops.ldexp(x, n), [f(5, 3), i(1, 3)]),
              c("Add", lambda x, y: x + y, [f(5, 1), f(4)]),            # (None, 5, 1) + (None, 4)
              c("Subtract", lambda x: 1.0 - x), c("Multiply", lambda x: x * 2),
              c("Power", lambda x: 2.0 ** x), c("Greater", lambda x: x > 0),
              c("Where", lambda x: ops.where(x > 0, x, 0.0)),
              c("Where", lambda x, y: ops.where(x > 0, x, y), [f(5, 3), f(1)])]
    for kind, fn in REDUCTIONS.items():
        table += [c(kind, lambda x, fn=fn: fn(x, axis=1)),
                  c(kind, lambda x, fn=fn: fn(x, axis=[1, 2], keepdims=True)),
                  c(kind, lambda x, fn=fn: fn(x))]
    table += [c(kind, lambda x, fn=fn: fn(x, axis=-1)) for kind, fn in ARG_REDUCTIONS.items()]
    table += [
        c("Argmax", lambda x: ops.argmax(x)), c("Argmin", lambda x: ops.argmin(x, axis=1, keepdims=True)),
        c("Sum", lambda x: ops.sum(x, axis=-1, keepdims=True)),
        c("Max", lambda x: ops.max(x, axis=None, keepdims=True)),
        c("CountNonzero", lambda x: ops.count_nonzero(x, axis=1)), c("CountNonzero", ops.count_nonzero),
        c("Norm", lambda x: ops.norm(x, ord=1, axis=(1, 2), keepdims=True)),
        c("Moments", lambda x: ops.moments(x, axes=[1])[1]),
        c("Average", lambda x: ops.average(x, axis=1)), c("Average", ops.average),
        c("Quantile", lambda x: ops.quantile(x, [0.25, 0.5], axis=1)),
        c("Quantile", lambda x: ops.quantile(x, 0.5, axis=-1, keepdims=True)),
        c("Nanquantile", lambda x: ops.nanquantile(x, [0.5], axis=1)),
        c("Percentile", lambda x: ops.percentile(x, [50.0], axis=1)),
        c("Nanpercentile", lambda x: ops.nanpercentile(x, 50.0)),
        c("Cumsum", lambda x: ops.cumsum(x, axis=1)), c("Cumsum", ops.cumsum),
        c("Nancumsum", lambda x: ops.nancumsum(x, axis=1)), c("Nancumprod", ops.nancumprod),
        c("Cumprod", lambda x: ops.cumprod(x, axis=-1)), c("Cumprod", ops.cumprod, [f(5, 3)]),
        c("Sort", ops.sort), c("Sort", lambda x: ops.sort(x, axis=None)),
        c("Argsort", lambda x: ops.argsort(x, axis=1)),
        # Shapes and axes
        c("ExpandDims", lambda x: ops.expand_dims(x, 1)), c("ExpandDims", lambda x: ops.expand_dims(x, -1)),
        c("ExpandDims", lambda x: ops.expand_dims(x, (0, 2))),
        c("Squeeze", lambda x: ops.squeeze(x, axis=2), [f(5, 1)]), c("Squeeze", ops.squeeze, [f(1, 3)]),
        c("Squeeze", lambda x: ops.squeeze(x, axis=(1, 3)), [f(1, 3, 1)]),
        c("Reshape", lambda x: ops.reshape(x, (-1, 15))), c("Reshape", lambda x: ops.reshape(x, (-1, 3, 5))),
        c("Reshape", lambda x: ops.reshape(x, (-1, 2, 3)), [f(None, 6)]),
        c("Transpose", lambda x: ops.transpose(x, (0, 2, 1))), c("Transpose", ops.transpose),
        c("Moveaxis", lambda x: ops.moveaxis(x, 1, -1), [f(5, 3, 2)]),
        c("Moveaxis", lambda x: ops.moveaxis(x, [0, 1], [2, 0]), [f(5, 3, 2)]),
        c("Swapaxes", lambda x: ops.swapaxes(x, 1, 2)), c("Rot90", lambda x: ops.rot90(x, axes=(1, 2))),
        c("Tile", lambda x: ops.tile(x, (1, 2, 3))), c("Tile", lambda x: ops.tile(x, (2, 1, 1, 2))),
        c("Tile", lambda x: ops.tile(x, 2)),
        c("Repeat", lambda x: ops.repeat(x, 3, axis=1)), c("Repeat", lambda x: ops.repeat(x, [1, 2, 3], axis=2)),
        c("Repeat", lambda x: ops.repeat(x, 2)),
        c("BroadcastTo", lambda x: ops.broadcast_to(x[:, :1], (2, 4, 3))),
        c("Ravel", ops.ravel), c("Ravel", lambda x: ops.ravel(x[0])),
        # Joining and splitting
        c("Concatenate", lambda x, y: ops.concatenate([x, y], axis=1), [f(5, 3), f(2, 3)]),
        c("Concatenate", lambda x, y: ops.concatenate([x, y], axis=-1), [f(5, 3), f(5, 4)]),
        c("Concatenate", lambda x, y: ops.concatenate([x, y]), [f(5, 3), f(5, 3)]),
        c("Stack", lambda x, y: ops.stack([x, y], axis=1), [f(5, 3), f(5, 3)]),
        c("Stack", lambda x, y: ops.stack([x, y, x], axis=-1), [f(5, 3), f(5, 3)]),
        c("Hstack", lambda x, y: ops.hstack([x, y]), [f(5, 3), f(2, 3)]),
        c("Vstack", lambda x, y: ops.vstack([x, y]), [f(5, 3), f(5, 3)]),
        c("Append", lambda x, y: ops.append(x, y, axis=1), [f(5, 3), f(2, 3)]),
        c("Append", lambda x: ops.append(x[0], x[1])),
        c("Split", lambda x: ops.split(x, 3, axis=-1)[1]),
        c("Split", lambda x: ops.split(x, [1, 4], axis=1)[2]),
        c("Split", lambda x: ops.split(x, 2, axis=1), [f(None, 4)]),
        c("ArraySplit", lambda x: ops.array_split(x, 2, axis=1), [f(6, 3)]),
        c("Unstack", lambda x: ops.unstack(x, axis=1)[2]),
        # Indexing
        c("GetItem", lambda x: x[:, 1]), c("GetItem", lambda x: x[:, -1]), c("GetItem", lambda x: x[:, 1:4]),
        c("GetItem", lambda x: x[:, ::-1]), c("GetItem", lambda x: x[:, -3:-1, ::2]),
        c("GetItem", lambda x: x[:, 4:1:-2]), c("GetItem", lambda x: x[:, None]),
        c("GetItem", lambda x: x[:, :, None, 1]), c("GetItem", lambda x: x[..., 0]),
        c("GetItem", lambda x: x[..., None, :2]), c("GetItem", lambda x: x[0]),
        c("GetItem", lambda x: x[:, 1:], [f(None, 3)]), c("GetItem", lambda x: x[:, :, 5:-7:-1]),
        c("GetItem", lambda x: x[:, 10:]),
        c("Slice", lambda x: ops.slice(x, [0, 1, 0], [1, 2, 3])),
        c("Slice", lambda x: ops.slice(x, (0, 2, 1), (-1, -1, 2))),
        c("Take", lambda x: ops.take(x, [0, 2], axis=1)), c("Take", lambda x: ops.take(x, [[0, 1], [2, 3]], axis=2)),
        c("Take", lambda x: ops.take(x, [0, 2])),
        c("Take", lambda x, n: ops.take(x, n, axis=1), [f(5, 3), i(4)]),
        c("TakeAlongAxis", lambda x, n: ops.take_along_axis(x, n, axis=1), [f(5, 3), i(2, 3)]),
        c("TakeAlongAxis", lambda x, n: ops.take_along_axis(x, n, axis=None), [f(5, 3), i()]),
        c("Pad", lambda x: ops.pad(x, [[0, 0], [1, 2], [0, 0]])), c("Pad", lambda x: ops.pad(x, 1)),
        c("Pad", lambda x: ops.pad(x, (2, 1))), c("Pad", lambda x: ops.pad(x, [[1], [2], [0]])),
        c("Pad", lambda x: ops.pad(x, ((0, 0), (2, 0), (1, 1)), mode="reflect")),
        c("OneHot", lambda n: ops.one_hot(n, 4), [i(5)]), c("OneHot", lambda n: ops.one_hot(n, 4, axis=1), [i(5)]),
        c("MultiHot", lambda n: ops.multi_hot(n, 6), [i(5)]), c("MultiHot", lambda n: ops.multi_hot(n, 6), [i(5, 2)]),
        c("Diagonal", ops.diagonal, [f(5, 3)]), c("Diagonal", lambda x: ops.diagonal(x, offset=1, axis1=1, axis2=2)),
        c("Diagonal", lambda x: ops.diagonal(x, offset=-2, axis1=1, axis2=2)),
        c("Trace", lambda x: ops.trace(x, axis1=1, axis2=2)),
        c("Diff", lambda x: ops.diff(x, axis=1)), c("Diff", lambda x: ops.diff(x, n=2)),
        # Products
        c("Matmul", lambda x, y: ops.matmul(x, y), [f(5, 3), f(3, 4)]),
        c("Matmul", lambda x, y: ops.matmul(x, y), [f(5, 3), f(3)]),
        c("Matmul", lambda x, y: ops.matmul(x, y), [f(3), f(3, 4)]),
        c("Matmul", lambda x, y: x @ y, [f(5, 3), f(3, 4)]),
        c("Dot", lambda x, y: ops.dot(x, y), [f(5, 3), f(3, 4)]),
        c("Dot", lambda x, y: ops.dot(x, y[0]), [f(5, 3), f(3)]),
        c("Dot", lambda x: ops.dot(x, 2.0)),
        c("Tensordot", lambda x, y: ops.tensordot(x, y, axes=1), [f(5, 3), f(3, 4)]),
        c("Tensordot", lambda x, y: ops.tensordot(x, y, axes=([2], [1])), [f(5, 3), f(3, 4)]),
        c("Tensordot", lambda x, y: ops.tensordot(x, y, axes=0), [f(3), f(2)]),
        c("Einsum", lambda x, y: ops.einsum("btf,btg->bfg", x, y), [f(5, 3), f(5, 2)]),
        c("Einsum", lambda x: ops.einsum("btf->bf", x)), c("Einsum", lambda x: ops.einsum("...f->...", x)),
        c("Einsum", lambda x, y: ops.einsum("...tf,fg->...tg", x, y[0]), [f(5, 3), f(3, 4)]),
        c("Einsum", lambda x, y: ops.einsum("b...,b->...b", x, y), [f(5, 3), f()]),
        c("Einsum", lambda x, y: ops.einsum("btf,bsf", x, y), [f(5, 3), f(4, 3)]),
        c("Outer", lambda x, y: ops.outer(x, y), [f(5), f(2)]),
        c("Inner", lambda x, y: ops.inner(x, y), [f(5, 3), f(2, 3)]),
        c("Cross", lambda x, y: ops.cross(x, y), [f(5, 3), f(1, 3)]),
        # Other
        c("Glu", ops.glu, [f(5, 4)]), c("Glu", lambda x: ops.glu(x, axis=1), [f(6, 3)]),
        c("TopK", lambda x: ops.top_k(x, 2)[0]), c("TopK", lambda x: ops.top_k(x, 1)),
    ]
    return table


CASES = op_cases()


def case_id(case: OpCase) -> str:
    return case.kind


def build(case: OpCase) -> Any:
    inputs = [keras.Input(shape=shape, dtype=dtype, name=f"x{n}") for n, (shape, dtype) in enumerate(case.inputs)]
    out = case.fn(*inputs)
    outputs = list(out) if isinstance(out, (list, tuple)) else [out]
    return keras.Model(inputs, outputs, name="one_op")


def stored_ops(model: Any) -> List[Dict[str, Any]]:
    return [layer for layer in json.loads(model.to_json())["config"]["layers"]
            if str(layer.get("module", "")).startswith("keras.src.ops.")]


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_op_as_model_output_reads_as_live(case: OpCase, tmp_path: Path) -> None:
    model = build(case)
    stored = stored_ops(model)
    output_layers = json.loads(model.to_json())["config"]["output_layers"]
    last = {layer["name"]: layer["class_name"] for layer in stored}
    assert [last.get(name) for name, _, _ in output_layers] == [case.kind] * len(output_layers)
    assert all(layer["class_name"] in OP_RULES for layer in stored)
    path = tmp_path / "m.keras"
    model.save(path)
    live = inspect(model)
    assert read_saved(path).to_dict() == live.to_dict()
    assert read_saved(path) == live
    assert read_config_json(model.to_json()) == live


def test_every_op_rule_is_exercised_and_every_op_in_the_table_has_a_rule() -> None:
    """Each rule is checked against Keras by at least one case, and each case's op has a rule."""
    kinds = {case.kind for case in CASES}
    assert kinds <= set(OP_RULES)
    assert set(OP_RULES) <= kinds, sorted(set(OP_RULES) - kinds)


def test_ops_named_in_the_table_are_keras_ops() -> None:
    """Every rule is named after a keras.ops operation class (a newer Keras that renames one
    is noticed here)."""
    import importlib
    import inspect as pyinspect
    import pkgutil

    import keras.src.ops as package
    from keras.src.ops.operation import Operation

    classes = set()
    for module in pkgutil.iter_modules(package.__path__):
        if not module.name.endswith("_test"):
            found = importlib.import_module(f"keras.src.ops.{module.name}")
            classes |= {n for n, c in vars(found).items() if pyinspect.isclass(c) and issubclass(c, Operation)}
    assert set(OP_RULES) <= classes, sorted(set(OP_RULES) - classes)


# A file is untrusted input: an op rule given any settings and arguments raises SourceError
# or Unsupported, never another exception.


OP_SETTINGS = ("axis", "axes", "keepdims", "newshape", "source", "destination", "axis1", "axis2", "repeats",
               "indices_or_sections", "shape", "pad_width", "num_classes", "subscripts", "offset", "k", "n",
               "axisa", "axisb", "axisc", "num")
WORDS = ("btf,btg->bfg", "...f->...", "b...,b->...b", "ij,jk", "a", "x", "")
scalars = st.none() | st.booleans() | st.integers(-3, 8) | st.sampled_from(WORDS) | st.floats(-2, 2)
index_items = st.fixed_dictionaries({"class_name": st.sampled_from(["__slice__", "__ellipsis__", "__tuple__"]),
                                     "config": st.dictionaries(st.sampled_from(["start", "stop", "step", "value"]),
                                                               scalars)})
json_values = st.recursive(scalars | index_items, lambda inner: st.lists(inner, max_size=4), max_leaves=8)
shapes = st.lists(st.none() | st.integers(0, 6), max_size=4).map(tuple)
arguments = st.recursive(shapes | json_values, lambda inner: st.lists(inner, max_size=3), max_leaves=6)


@settings(max_examples=int(__import__("os").environ.get("FUZZ_N", "200")))
@given(st.data())
def test_op_rules_raise_only_clear_errors(data: Any) -> None:
    kind = data.draw(st.sampled_from(sorted(OP_RULES)))
    config = data.draw(st.dictionaries(st.sampled_from(OP_SETTINGS), json_values | st.integers(-2, 4), max_size=8))
    args = data.draw(st.lists(shapes, max_size=3).map(tuple))
    values = data.draw(st.one_of(st.just(args), st.lists(arguments, max_size=3).map(tuple)))
    try:
        out = OP_RULES[kind](Cfg(config, "config"), CallShapes(args, {}, {}, values))
    except (SourceError, Unsupported):
        return
    assert isinstance(out, tuple) and all(
        isinstance(s, tuple) and all(d is None or isinstance(d, int) for d in s) for s in out)
