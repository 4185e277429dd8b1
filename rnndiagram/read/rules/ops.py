"""Stage 0, the output-shape rules of the ``keras.ops`` operations a functional model can
hold as nodes (Keras also stores those that build masks: NotEqual, Any...), and ``OPS``,
their table by class name."""

from __future__ import annotations

import math
from typing import Any, Dict, List, Optional, Tuple

from ...errors import SourceError
from ...spec import Shape
from ..calls import Unsupported
from ..config import Cfg, is_int
from .base import (CallShapes, Rule, broadcast_two, flat, norm_axes, norm_axis, plain, reduced, shape_of,
                   size_of, tensor_arg, value_arg)

def _op_same(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    """Elementwise ops of one tensor (and settings): the input's shape."""
    return (tensor_arg(call),)


def _op_broadcast(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    """Elementwise ops of several operands, tensors or Python numbers: numpy broadcasting."""
    if not call.values:
        raise Unsupported("an operation without positional arguments")
    out: Shape = ()
    for value in call.values:
        out = broadcast_two(out, shape_of(value), config.where)
    return (out,)


def _op_reduce(key: str = "axis", outputs: int = 1) -> Rule:
    """Reductions over ``axis`` (an int, a list or None), with or without ``keepdims``."""
    def rule(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
        shape = reduced(tensor_arg(call), plain(config.raw(key, None)), config.bool("keepdims", False),
                         config, key)
        return (shape,) * outputs
    return rule


def _op_quantile(one_item_kept: bool) -> Rule:
    """Quantile and percentile: the reduction, with an axis of the q's in front."""
    def rule(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
        shape = reduced(tensor_arg(call), plain(config.raw("axis", None)), config.bool("keepdims", False), config)
        q = value_arg(call, 1)
        if isinstance(q, tuple):
            return ((q[0],) + shape if q else shape,)
        if isinstance(q, list) and (one_item_kept or len(q) > 1):
            return ((len(q),) + shape,)
        return (shape,)
    return rule


def _op_average(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shape, axis = tensor_arg(call), config.raw("axis", None)
    return (() if axis is None else reduced(shape, [axis], False, config),)


def _op_flat_if_no_axis(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    """Cumulative sums and products, sort and argsort: the flattened input without an axis."""
    shape, axis = tensor_arg(call), config.raw("axis", None)
    if axis is None:
        return (flat(shape),)
    norm_axis(axis, len(shape), config)
    return (shape,)


def _op_expand_dims(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shape, axis = tensor_arg(call), plain(config.raw("axis"))
    axes = [axis] if is_int(axis) else axis
    if not isinstance(axes, list):
        raise config.wrong("axis", "an axis or a list of axes", axis)
    rank = len(shape) + len(axes)
    new = {norm_axis(a, rank, config) for a in axes}
    rest = iter(shape)
    try:
        return (tuple(1 if i in new else next(rest) for i in range(rank)),)
    except StopIteration:
        raise config.wrong("axis", "distinct axes", axis) from None


def _op_squeeze(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shape, axis = tensor_arg(call), plain(config.raw("axis", None))
    if axis is None:
        return (tuple(d for d in shape if d != 1),)
    axes = norm_axes(axis, len(shape), config)
    if any(shape[a] != 1 for a in axes):
        raise SourceError(f"{config.where}: cannot squeeze an axis of size other than 1 in {shape}")
    return (tuple(d for i, d in enumerate(shape) if i not in axes),)


def _op_reshape(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    """``compute_reshape_output_shape`` (the batch axis is not special here)."""
    shape, target = tensor_arg(call), plain(config.raw("newshape"))
    if is_int(target):
        target = [target]
    if not isinstance(target, list) or not all(is_int(d) and d >= -1 for d in target) or target.count(-1) > 1:
        raise config.wrong("newshape", "a list of sizes with at most one -1", target)
    size = size_of(shape)
    if size is None:
        return (tuple(None if d == -1 else d for d in target),)
    known = math.prod(d for d in target if d != -1)
    if (-1 not in target and size != known) or (-1 in target and (known == 0 or size % known)):
        raise SourceError(f"{config.where}: cannot reshape {shape} to {tuple(target)}")
    return (tuple(size // known if d == -1 else d for d in target),)


def _op_transpose(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shape, axes = tensor_arg(call), plain(config.raw("axes", None))
    if axes is None:
        return (shape[::-1],)
    order = norm_axes(axes, len(shape), config, "axes") if isinstance(axes, list) else None
    if order is None or sorted(order) != list(range(len(shape))):
        raise config.wrong("axes", f"a permutation of the {len(shape)} axes", axes)
    return (tuple(shape[a] for a in order),)


def _op_moveaxis(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shape = tensor_arg(call)
    sources = norm_axes(config.raw("source"), len(shape), config, "source")
    targets = norm_axes(config.raw("destination"), len(shape), config, "destination")
    if len(sources) != len(targets) or len(set(sources)) != len(sources) or len(set(targets)) != len(targets):
        raise config.wrong("destination", "as many distinct axes as source", targets)
    out: List[Any] = [_UNSET] * len(shape)
    for source, target in zip(sources, targets):
        out[target] = shape[source]
    rest = iter(d for i, d in enumerate(shape) if i not in sources)
    return (tuple(next(rest) if d is _UNSET else d for d in out),)


_UNSET = object()


def _op_swapaxes(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shape = list(tensor_arg(call))
    a = norm_axis(config.raw("axis1"), len(shape), config, "axis1")
    b = norm_axis(config.raw("axis2"), len(shape), config, "axis2")
    shape[a], shape[b] = shape[b], shape[a]
    return (tuple(shape),)


def _op_tile(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shape: List[Optional[int]] = list(tensor_arg(call))
    repeats = plain(config.raw("repeats"))
    repeats = [repeats] if is_int(repeats) else repeats
    if not isinstance(repeats, list) or not all(is_int(r) and r >= 0 for r in repeats):
        raise config.wrong("repeats", "a count or a list of counts", repeats)
    if len(shape) > len(repeats):
        repeats = [1] * (len(shape) - len(repeats)) + repeats
    else:
        ones: List[Optional[int]] = [1] * (len(repeats) - len(shape))
        shape = ones + shape
    return (tuple(None if d is None else d * r for d, r in zip(shape, repeats)),)


def _op_repeat(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shape, repeats, axis = list(tensor_arg(call)), plain(config.raw("repeats")), config.raw("axis", None)
    repeats = [repeats] if is_int(repeats) else repeats
    if not isinstance(repeats, list) or not repeats or not all(is_int(r) and r >= 0 for r in repeats):
        raise config.wrong("repeats", "a count or a list of counts", repeats)
    if axis is None:
        size = size_of(shape)
        if size is None:
            return ((None,),)
        if len(repeats) == 1:
            return ((size * repeats[0],),)
        if len(repeats) != size:
            raise config.wrong("repeats", f"one count or {size}", repeats)
        return ((sum(repeats),),)
    axis = norm_axis(axis, len(shape), config)
    if shape[axis] is None:
        return (tuple(shape),)
    if len(repeats) == 1:
        shape[axis] *= repeats[0]
    elif len(repeats) != shape[axis]:
        raise config.wrong("repeats", f"one count or {shape[axis]}", repeats)
    else:
        shape[axis] = sum(repeats)
    return (tuple(shape),)


def _tensor_list(call: CallShapes) -> List[Shape]:
    """The first argument of stack and concatenate: a list of tensors."""
    items = value_arg(call, 0)
    if isinstance(items, dict) and items.get("class_name") == "__tuple__":
        items = plain(items)
    if not isinstance(items, list) or not items or not all(isinstance(s, tuple) for s in items):
        raise Unsupported("a stack or concatenation of values that are not all tensors")
    return items


def _joined(shapes: List[Shape], axis: int, config: Cfg) -> Shape:
    first = shapes[0]
    total: Optional[int] = 0
    for shape in shapes:
        if len(shape) != len(first) or any(a is not None and b is not None and a != b
                                           for i, (a, b) in enumerate(zip(shape, first)) if i != axis):
            raise SourceError(f"{config.where}: cannot join shapes {first} and {shape}")
        size = shape[axis]
        total = None if total is None or size is None else total + size
    return first[:axis] + (total,) + first[axis + 1:]


def _op_concatenate(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shapes = _tensor_list(call)
    return (_joined(shapes, norm_axis(config.raw("axis", 0), len(shapes[0]), config), config),)


def _op_stack_along(axis: int) -> Rule:
    """hstack (axis 1; axis 0 for vectors) and vstack (axis 0)."""
    def rule(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
        shapes = _tensor_list(call)
        if len(shapes[0]) <= axis:
            raise SourceError(f"{config.where}: cannot stack shapes {shapes[0]} along axis {axis}")
        return (_joined(shapes, axis, config),)
    return rule


def _op_stack(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shapes = _tensor_list(call)
    axis = norm_axis(config.raw("axis", 0), len(shapes[0]) + 1, config)
    for shape in shapes:
        if len(shape) != len(shapes[0]) or any(a is not None and b is not None and a != b
                                               for a, b in zip(shape, shapes[0])):
            raise SourceError(f"{config.where}: cannot stack shapes {shapes[0]} and {shape}")
    return (shapes[0][:axis] + (len(shapes),) + shapes[0][axis:],)


def _op_split(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    """``_compute_split_output_spec``: several outputs."""
    shape = list(tensor_arg(call))
    axis = norm_axis(config.raw("axis", 0), len(shape), config)
    sections = plain(config.raw("indices_or_sections"))
    size = shape[axis]
    if is_int(sections):
        if sections <= 0 or sections > 4096:
            raise config.wrong("indices_or_sections", "a number of sections", sections)
        if size is not None and size % sections:
            raise SourceError(f"{config.where}: {size} does not split into {sections} equal sections")
        part = None if size is None else size // sections
        return tuple(tuple(shape[:axis] + [part] + shape[axis + 1:]) for _ in range(sections))
    if not isinstance(sections, list) or not all(is_int(i) for i in sections) or len(sections) > 4096:
        raise config.wrong("indices_or_sections", "a number of sections or a list of indices", sections)
    bounds = [0] + sections + [size]
    return tuple(tuple(shape[:axis] + [None if a is None or b is None else b - a] + shape[axis + 1:])
                 for a, b in zip(bounds, bounds[1:]))


def _literal_shape(value: Any, config: Cfg) -> Shape:
    """``np.array(value).shape`` of a stored literal (indices given as a list)."""
    if isinstance(value, tuple):
        return value
    shape: List[int] = []
    while isinstance(value, list):
        shape.append(len(value))
        if not value:
            break
        if any(isinstance(v, list) != isinstance(value[0], list) or
               (isinstance(v, list) and len(v) != len(value[0])) for v in value):
            raise SourceError(f"{config.where}: indices that are not a rectangular array")
        value = value[0]
    if isinstance(value, dict):
        raise Unsupported("an operation argument the reader cannot size")
    return tuple(shape)


def _op_take(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shape, indices, axis = tensor_arg(call), _literal_shape(value_arg(call, 1), config), config.raw("axis", None)
    if axis is None:
        return (indices,)
    axis = norm_axis(axis, len(shape), config)
    return (shape[:axis] + indices + shape[axis + 1:],)


def _op_take_along_axis(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shape, indices, axis = list(tensor_arg(call)), list(tensor_arg(call, 1)), config.raw("axis", None)
    if axis is None:
        shape = list(flat(tuple(shape)))
    if len(shape) != len(indices):
        raise SourceError(f"{config.where}: take_along_axis needs indices of the input's rank")
    axis = 0 if axis is None else norm_axis(axis, len(shape), config)
    shape[axis] = indices[axis]
    return (broadcast_two(tuple(shape), tuple(indices), config.where),)


def _index_key(value: Any, config: Cfg) -> Any:
    """A stored index (int, slice, None for newaxis, Ellipsis) as Python has it."""
    if value is None or is_int(value):
        return value
    if isinstance(value, dict):
        kind, inner = value.get("class_name"), value.get("config")
        if kind == "__ellipsis__":
            return Ellipsis
        if kind == "__slice__" and isinstance(inner, dict):
            parts = [inner.get(k) for k in ("start", "stop", "step")]
            if all(p is None or is_int(p) for p in parts) and parts[2] != 0:
                return slice(*parts)
    raise Unsupported(f"an index the reader cannot apply ({str(value)[:40]})")


def _op_get_item(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    """``GetItem.compute_output_spec``: ``x[key]`` with ints, slices, None and ``...``."""
    shape, key = list(tensor_arg(call)), plain(value_arg(call, 1))
    keys = [_index_key(k, config) for k in key] if isinstance(key, list) else [_index_key(key, config)]
    if not isinstance(key, list) and not (key is None or is_int(key)):
        raise Unsupported("an index that is neither an int nor a tuple")
    if keys.count(Ellipsis) > 1:
        raise SourceError(f"{config.where}: an index with two ellipses")
    if Ellipsis not in keys:
        keys.append(Ellipsis)
    out: List[Optional[int]] = []
    while keys:
        key = keys.pop(0)
        if key is Ellipsis:
            needed = len(keys) - keys.count(None)
            used = len(shape) - needed
            if used < 0:
                raise SourceError(f"{config.where}: an index with more items than {len(shape)} axes")
            out += shape[:used]
            shape = shape[used:]
            continue
        if key is None:
            out.append(1)
            continue
        if not shape:
            raise SourceError(f"{config.where}: an index with more items than the tensor has axes")
        length = shape.pop(0)
        if isinstance(key, int):
            if length is not None and not -length <= key < length:
                raise SourceError(f"{config.where}: index {key} is out of bounds for a size of {length}")
        else:
            out.append(None if length is None else len(range(*key.indices(length))))
    return (tuple(out),)


def _op_slice(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shape, sizes, start = tensor_arg(call), plain(config.raw("shape")), value_arg(call, 1)
    if not isinstance(sizes, list) or len(sizes) != len(shape) or not all(is_int(d) and d >= -1 for d in sizes):
        raise config.wrong("shape", f"{len(shape)} sizes", sizes)
    if isinstance(start, list) and (len(start) != len(shape) or not all(is_int(s) for s in start)):
        raise SourceError(f"{config.where}: start indices that do not fit {shape}")
    out = []
    for i, (size, wanted) in enumerate(zip(shape, sizes)):
        if wanted != -1:
            out.append(wanted)
        elif not isinstance(start, list) or size is None:
            out.append(None)
        else:
            out.append(size - start[i])
    return (tuple(out),)


def _op_pad(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    """``Pad``: ``pad_width`` as ``Pad._process_pad_width`` reads it, one pair for every axis or
    a pair per axis."""
    shape, widths = tensor_arg(call), plain(config.raw("pad_width"))
    if is_int(widths):
        widths = [[widths, widths]]
    elif isinstance(widths, list) and widths and is_int(widths[0]):
        widths = [widths]
    pairs = []
    for width in widths if isinstance(widths, list) else [None]:
        width = plain(width)
        if isinstance(width, list) and len(width) == 1:
            width = width * 2
        if not (isinstance(width, list) and len(width) == 2 and all(is_int(v) and v >= 0 for v in width)):
            raise config.wrong("pad_width", "a width, a (before, after) pair or one per axis",
                               config.raw("pad_width"))
        pairs.append(width)
    if len(pairs) == 1:
        pairs = pairs * len(shape)
    if len(pairs) != len(shape):
        raise config.wrong("pad_width", f"1 or {len(shape)} pairs", config.raw("pad_width"))
    return (tuple(None if d is None else d + a + b for d, (a, b) in zip(shape, pairs)),)


def _op_one_hot(multi: bool) -> Rule:
    def rule(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
        shape, classes, axis = list(tensor_arg(call)), config.int("num_classes"), config.raw("axis", -1)
        if axis == -1:
            shape.append(classes)
        elif is_int(axis) and 0 <= axis < len(shape):
            shape.insert(axis, classes)
        else:
            raise config.wrong("axis", "-1 or an axis of the input", axis)
        if multi:
            shape = [shape[-1]] if len(shape) == 2 else shape[:1] + shape[2:]
        return (tuple(shape),)
    return rule


def _op_matmul(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    """``compute_matmul_output_shape``."""
    a, b = tensor_arg(call), tensor_arg(call, 1)
    if not a or not b:
        raise SourceError(f"{config.where}: matmul of a scalar")
    a1, b1 = len(a) == 1, len(b) == 1
    a = (1,) + a if a1 else a
    b = b + (1,) if b1 else b
    if a[-1] is not None and b[-2] is not None and a[-1] != b[-2]:
        raise SourceError(f"{config.where}: cannot multiply matrices of shapes {a} and {b}")
    out = list(broadcast_two(a[:-2], b[:-2], config.where)) + [a[-2], b[-1]]
    if a1:
        del out[-2]
    if b1:
        del out[-1]
    return (tuple(out),)


def _op_dot(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    a, b = shape_of(value_arg(call, 0)), shape_of(value_arg(call, 1))
    if not a or not b:
        return (broadcast_two(a, b, config.where),)
    if len(a) == 1 and len(b) == 1:
        return ((),)
    if len(b) == 1:
        if a[-1] != b[0]:
            raise SourceError(f"{config.where}: cannot dot shapes {a} and {b}")
        return (a[:-1],)
    if a[-1] is None or b[-2] is None or a[-1] == b[-2]:
        return (a[:-1] + b[:-2] + b[-1:],)
    raise SourceError(f"{config.where}: cannot dot shapes {a} and {b}")


def _op_tensordot(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    a, b, axes = list(tensor_arg(call)), list(tensor_arg(call, 1)), plain(config.raw("axes", 2))
    if is_int(axes):
        if axes <= 0:
            return (tuple(a + b),)
        if axes > len(a) or axes > len(b):
            raise config.wrong("axes", "at most the inputs' rank", axes)
        return (tuple(a[:-axes] + b[axes:]),)
    pair = [plain(p) for p in axes] if isinstance(axes, list) and len(axes) == 2 else None
    if pair is None:
        raise config.wrong("axes", "a count or two lists of axes", axes)
    first = norm_axes(pair[0], len(a), config, "axes")
    second = norm_axes(pair[1], len(b), config, "axes")
    if len(first) != len(second) or any(a[i] is not None and b[j] is not None and a[i] != b[j]
                                        for i, j in zip(first, second)):
        raise SourceError(f"{config.where}: tensordot axes of other sizes")
    return (tuple(d for i, d in enumerate(a) if i not in first) +
            tuple(d for i, d in enumerate(b) if i not in second),)


def _op_outer(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    sizes = []
    for index in (0, 1):
        value = value_arg(call, index)
        shape = value if isinstance(value, tuple) else (1,)
        sizes.append(None if None in shape else math.prod(shape))
    return (tuple(sizes),)


def _op_inner(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    a, b = shape_of(value_arg(call, 0)), shape_of(value_arg(call, 1))
    if not a or not b:
        return (b if not a else a,)
    if a[-1] is not None and b[-1] is not None and a[-1] != b[-1]:
        raise SourceError(f"{config.where}: cannot take the inner product of {a} and {b}")
    return (a[:-1] + b[:-1],)


def _op_einsum(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    """``Einsum.compute_output_spec``: each operand mapped onto the output spec, then broadcast."""
    subscripts = config.str("subscripts").replace(" ", "")
    operands = [tensor_arg(call, i) for i in range(len(call.values))]
    parts = subscripts.split("->")
    if len(parts) > 2:
        raise config.wrong("subscripts", "one ->", subscripts)
    inputs = parts[0].split(",")
    if len(inputs) != len(operands) or not operands:
        raise SourceError(f"{config.where}: {subscripts!r} names {len(inputs)} operands, "
                          f"the call has {len(operands)}")
    letters = [s for s in parts[0] if s.isalpha()]
    counts = {s: letters.count(s) for s in letters}
    if len(parts) == 2:
        target = parts[1]
    else:
        target = "..." + "".join(sorted(s for s, n in counts.items() if n == 1))
    if not all(s.isalpha() or s in ",." for s in parts[0]) or not all(s.isalpha() or s == "." for s in target) \
            or not all(s.islower() for s in letters + [t for t in target if t.isalpha()]):
        raise Unsupported(f"an einsum spec the reader does not parse ({subscripts[:40]})")
    out: Shape = ()
    for index, (shape, spec) in enumerate(zip(operands, inputs)):
        pieces = spec.split("...")
        if len(pieces) > 2:
            raise config.wrong("subscripts", "at most one ... per operand", subscripts)
        if len(pieces) == 1:
            if len(shape) != len(spec):
                raise SourceError(f"{config.where}: operand {spec!r} does not fit shape {shape}")
            size = dict(zip(spec, shape))
            wild: Shape = ()
        else:
            head, tail = pieces
            if len(head) + len(tail) > len(shape):
                raise SourceError(f"{config.where}: operand {spec!r} does not fit shape {shape}")
            size = dict(zip(head, shape))
            size.update(zip(tail, shape[len(shape) - len(tail):]))
            wild = shape[len(head):len(shape) - len(tail)]
        mapped: List[Optional[int]] = []
        for position, piece in enumerate(target.split("...")):
            if position:
                mapped += wild
            mapped += [size.get(s, 1) for s in piece]
        out = broadcast_two(out, tuple(mapped), config.where) if index else tuple(mapped)
    return (out,)


def _op_diagonal(trace: bool) -> Rule:
    def rule(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
        shape = list(tensor_arg(call))
        if len(shape) < 2:
            raise SourceError(f"{config.where}: a diagonal needs two axes, got {tuple(shape)}")
        first = norm_axis(config.raw("axis1", 0), len(shape), config, "axis1")
        second = norm_axis(config.raw("axis2", 1), len(shape), config, "axis2")
        if first == second:
            raise config.wrong("axis2", "an axis other than axis1", second)
        rest = [d for i, d in enumerate(shape) if i not in (first, second)]
        if trace:
            return (tuple(rest),)
        rows, cols, offset = shape[first], shape[second], config.int("offset", 0)
        if rows is None or cols is None:
            return (tuple(rest + [None]),)
        remaining = cols - offset if offset > 0 else rows + offset
        return (tuple(rest + [max(0, min(remaining, rows, cols))]),)
    return rule


def _op_diff(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shape = list(tensor_arg(call))
    axis = norm_axis(config.raw("axis", -1), len(shape), config)
    if shape[axis] is not None:
        shape[axis] = max(shape[axis] - config.int("n", 1), 0)
    return (tuple(shape),)


def _op_append(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    a, b, axis = tensor_arg(call), tensor_arg(call, 1), config.raw("axis", None)
    if axis is None:
        size_a, size_b = size_of(a), size_of(b)
        return ((None if size_a is None or size_b is None else size_a + size_b,),)
    return (_joined([a, b], norm_axis(axis, len(a), config), config),)


def _op_rot90(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shape = list(tensor_arg(call))
    if len(shape) < 2:
        raise SourceError(f"{config.where}: rot90 needs two axes, got {tuple(shape)}")
    axes = norm_axes(config.raw("axes", [0, 1]), len(shape), config, "axes")
    if len(axes) != 2 or axes[0] == axes[1]:
        raise config.wrong("axes", "two different axes", config.raw("axes", None))
    shape[axes[0]], shape[axes[1]] = shape[axes[1]], shape[axes[0]]
    return (tuple(shape),)


def _op_broadcast_to(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    target = plain(config.raw("shape"))
    if not isinstance(target, list) or not all(d is None or (is_int(d) and d >= 0) for d in target):
        raise config.wrong("shape", "a shape", target)
    broadcast_two(tensor_arg(call), tuple(target), config.where)
    return (tuple(target),)


def _op_glu(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shape = list(tensor_arg(call))
    axis = norm_axis(config.raw("axis", -1), len(shape), config)
    size = shape[axis]
    if size is not None:
        if size % 2:
            raise SourceError(f"{config.where}: glu halves an axis of odd size {size}")
        shape[axis] = size // 2
    return (tuple(shape),)


def _op_top_k(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shape = tensor_arg(call)
    if not shape:
        raise SourceError(f"{config.where}: top_k of a scalar")
    out = shape[:-1] + (config.int("k"),)
    return (out, out)


def _op_cross(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    a, b = list(tensor_arg(call)), list(tensor_arg(call, 1))
    size_a = a.pop(norm_axis(config.raw("axisa", -1), len(a), config, "axisa"))
    size_b = b.pop(norm_axis(config.raw("axisb", -1), len(b), config, "axisb"))
    if any(s is not None and s not in (2, 3) for s in (size_a, size_b)):
        raise SourceError(f"{config.where}: a cross product of vectors of size other than 2 or 3")
    out = list(broadcast_two(tuple(a), tuple(b), config.where))
    value = [3] if 3 in (size_a, size_b) else []
    axis = norm_axis(config.raw("axisc", -1), len(out) + len(value), config, "axisc")
    return (tuple(out[:axis] + value + out[axis:]),)


def _op_unstack(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shape = tensor_arg(call)
    axis = norm_axis(config.raw("axis", 0), len(shape), config)
    count: Any = config.raw("num", None)
    count = shape[axis] if count is None else count
    if not is_int(count) or not 0 < count <= 4096:
        raise Unsupported("an unstack into an unknown number of tensors")
    return (shape[:axis] + shape[axis + 1:],) * count


_UNARY_OPS = (
    # numpy
    "Absolute", "Arccos", "Arccosh", "Arcsin", "Arcsinh", "Arctan", "Arctanh", "BitwiseInvert",
    "BitwiseNot", "Cbrt", "Ceil", "Conjugate", "Copy", "Cos", "Cosh", "Deg2rad", "Exp", "Exp2",
    "Expm1", "Fabs", "Floor", "Imag", "Isfinite", "Isinf", "Isnan", "Isneginf", "Isposinf", "Isreal",
    "Log", "Log10", "Log1p", "Log2", "LogicalNot", "NanToNum", "Negative", "OnesLike", "ZerosLike",
    "EmptyLike", "FullLike", "Rad2deg", "Real", "Reciprocal", "Round", "Sign", "Signbit", "Sin", "Sinc",
    "Sinh", "Sqrt", "Square", "Tan", "Tanh", "Trunc", "Flip", "Fliplr", "Flipud", "Roll", "Clip", "Tril",
    "Triu", "Digitize",
    # nn
    "Relu", "Relu6", "Sigmoid", "Softplus", "Softsign", "SoftShrink", "SparsePlus", "Silu", "Squareplus",
    "LogSigmoid", "LeakyRelu", "HardSigmoid", "HardSilu", "Elu", "Selu", "Gelu", "Celu", "TanhShrink",
    "HardTanh", "HardShrink", "Threshold", "Softmax", "LogSoftmax", "SparseSigmoid", "Sparsemax",
    "Normalize",
    # math and core
    "Erf", "Erfc", "Erfinv", "Rsqrt", "Cast", "SaturateCast", "StopGradient",
)


_BINARY_OPS = (
    "Add", "Subtract", "Multiply", "Divide", "TrueDivide", "FloorDivide", "DivideNoNan", "Power", "Mod",
    "Fmod", "Maximum", "Minimum", "Fmax", "Fmin", "Arctan2", "Hypot", "Logaddexp", "Logaddexp2", "Equal",
    "NotEqual", "Greater", "GreaterEqual", "Less", "LessEqual", "LogicalAnd", "LogicalOr", "LogicalXor",
    "BitwiseAnd", "BitwiseOr", "BitwiseXor", "BitwiseLeftShift", "BitwiseRightShift", "LeftShift",
    "RightShift", "Heaviside", "Nextafter", "Gcd", "Lcm", "Ldexp", "Where",
)


_REDUCTIONS = (
    "Sum", "Mean", "Max", "Min", "Prod", "Std", "Var", "Any", "All", "Amax", "Amin", "Argmax", "Argmin",
    "Nanargmax", "Nanargmin", "Logsumexp", "Nansum", "Nanmean", "Nanmax", "Nanmin", "Nanprod", "Nanstd",
    "Nanvar", "Median", "Nanmedian", "Ptp", "CountNonzero", "Norm",
)


OPS: Dict[str, Rule] = {
    **{name: _op_same for name in _UNARY_OPS},
    **{name: _op_broadcast for name in _BINARY_OPS},
    **{name: _op_reduce() for name in _REDUCTIONS},
    "Moments": _op_reduce("axes", outputs=2), "Average": _op_average,
    "Quantile": _op_quantile(False), "Nanquantile": _op_quantile(False),
    "Percentile": _op_quantile(True), "Nanpercentile": _op_quantile(True),
    **{name: _op_flat_if_no_axis for name in ("Cumsum", "Cumprod", "Nancumsum", "Nancumprod", "Sort",
                                                "Argsort")},
    "Ravel": lambda config, call: (flat(tensor_arg(call)),),
    "ExpandDims": _op_expand_dims, "Squeeze": _op_squeeze, "Reshape": _op_reshape,
    "Transpose": _op_transpose, "Moveaxis": _op_moveaxis, "Swapaxes": _op_swapaxes, "Rot90": _op_rot90,
    "Tile": _op_tile, "Repeat": _op_repeat, "BroadcastTo": _op_broadcast_to,
    "Concatenate": _op_concatenate, "Stack": _op_stack, "Vstack": _op_stack_along(0),
    "Hstack": _op_stack_along(1), "Append": _op_append, "Split": _op_split, "ArraySplit": _op_split,
    "Unstack": _op_unstack,
    "GetItem": _op_get_item, "Slice": _op_slice, "Take": _op_take, "TakeAlongAxis": _op_take_along_axis,
    "Pad": _op_pad, "OneHot": _op_one_hot(False), "MultiHot": _op_one_hot(True),
    "Matmul": _op_matmul, "Dot": _op_dot, "Tensordot": _op_tensordot, "Einsum": _op_einsum,
    "Outer": _op_outer, "Inner": _op_inner, "Cross": _op_cross,
    "Diagonal": _op_diagonal(trace=False), "Trace": _op_diagonal(trace=True), "Diff": _op_diff,
    "Glu": _op_glu, "TopK": _op_top_k,
}
"""Rules of the ``keras.ops`` operations that can be nodes of a functional model (Keras also
stores the ones that build masks: NotEqual, Any...)."""
