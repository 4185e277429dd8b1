"""Stage 0, the call records both readers make, and the steps that need nothing else.

A record is one call of a layer or op with its tensors sorted the way
``keras.tree.flatten`` sorts a node's arguments. Over records: the order calls are listed
in, their numbers, which raw ops only compute masks (those are not drawn), and which
drawn call a mask comes from.
"""

from __future__ import annotations

from dataclasses import field
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

from .._records import frozen, record
from ..errors import UnsupportedLayerError
from ..spec import Shape
from .view import LayerView

Key = Tuple[Any, int]
"""A call, as its reader identifies it: a layer (its name, or the live object's id) and the
index of the call among the layer's calls."""

MaskId = Tuple[Any, ...]
"""A mask, as its reader identifies it; two tensors with equal ids carry the same mask."""

Source = Tuple[Key, int, Shape]
"""Where a mask connection comes from: the call, its output index, and the mask's shape."""


class Unsupported(Exception):
    """Something a reader has no rule for (a custom layer, cell or activation in a file).

    Raised inside a reader and turned into an :class:`~rnndiagram.errors.UnsupportedLayerError`
    that names the layer and the way out (``--allow-load``) where the layer is known.
    """


@frozen
class Ref:
    """A tensor in a call's arguments: the call that made it, which output, and the shape
    the reader was told for it (Keras's view; ``None`` where nothing states it)."""

    key: Key
    tensor: int
    shape: Optional[Shape] = None


@record
class Call:
    """One call of a layer or op.

    ``args`` are the tensors of the positional arguments, ``named`` those passed by other
    keywords, ``states`` the ``initial_state`` and ``masks`` the ``mask`` argument;
    ``first`` the tensors of the first positional argument; ``parents`` every tensor in
    argument order. ``index`` orders one layer's calls. ``options`` holds the call's other
    keyword values and ``values`` its positional arguments as stored (files only).
    """

    key: Key
    view: LayerView
    index: int = 0
    args: List[Ref] = field(default_factory=list)
    named: Dict[str, List[Ref]] = field(default_factory=dict)
    states: List[Ref] = field(default_factory=list)
    masks: List[Ref] = field(default_factory=list)
    first: List[Ref] = field(default_factory=list)
    parents: List[Ref] = field(default_factory=list)
    options: Dict[str, Any] = field(default_factory=dict)
    values: List[Any] = field(default_factory=list)

    def add_keyword(self, name: str, tensors: List[Ref], value: Any = None) -> None:
        """A keyword argument of the call: ``initial_state`` and ``mask`` by their meaning,
        other tensors as data, anything else as an option."""
        if name == "initial_state":
            self.states = tensors
        elif name == "mask":
            self.masks = tensors
        elif tensors:
            self.named[name] = tensors
        else:
            self.options[name] = value

    @property
    def data(self) -> List[Ref]:
        """The tensors it computes with: positional, then by keyword name."""
        return self.args + [r for name in sorted(self.named) for r in self.named[name]]

    @property
    def name(self) -> str:
        return self.view.name


def unsupported(call: Call, detail: str) -> UnsupportedLayerError:
    """The error for a call the file reader cannot read: the layer, why, and the way out."""
    return UnsupportedLayerError(
        f"cannot read layer {call.name!r} ({call.view.class_name}) without Keras: {detail}; pass "
        f"--allow-load (allow_load=True in the API) to load the file with Keras (safe_mode) instead")


def order(roots: Iterable[Key], parents: Callable[[Key], Sequence[Key]]) -> List[Key]:
    """Every call reached from ``roots`` (the model's inputs, then its outputs), producers
    before consumers: depth first, parents in argument order. So the order depends only on
    how the model was built, never on the reader."""
    found: List[Key] = []
    seen: Set[Key] = set()
    for root in roots:
        stack: List[Tuple[Key, bool]] = [(root, False)]
        while stack:
            key, expanded = stack.pop()
            if expanded:
                found.append(key)
                continue
            if key in seen:
                continue
            seen.add(key)
            stack.append((key, True))
            stack.extend((parent, False) for parent in reversed(parents(key)))
    return found


def number(calls: Sequence[Call]) -> Dict[Key, Tuple[str, int]]:
    """Each call's spec id and number: a layer's calls are numbered 0, 1, ... in its own
    order (``index``), and the N-th (N >= 1) has the id ``name@N``.

    The index is not the number: a layer keeps the calls of every graph it was ever
    called in, and a Sequential rebuilds its graph on each ``add()`` and when loaded.
    """
    ids: Dict[Key, Tuple[str, int]] = {}
    counts: Dict[str, int] = {}
    for call in sorted(calls, key=lambda c: c.index):
        n = counts[call.name] = counts.get(call.name, -1) + 1
        ids[call.key] = (call.name if n == 0 else f"{call.name}@{n}", n)
    return ids


def folded_mask_ops(calls: Mapping[Key, Call], listed: Sequence[Key], outputs: Iterable[Key]) -> Set[Key]:
    """The raw ops (NotEqual, Any...) that only compute masks; they are not drawn.

    Keras computes Masking and Embedding masks with ops that land in a functional graph as
    operations of their own. An op that is a model output, or whose result a drawn call
    also takes as data, is drawn.
    """
    marked: Set[Key] = set()
    for key in listed:
        stack = list(calls[key].masks)
        while stack:
            ref = stack.pop()
            if not calls[ref.key].view.op or ref.key in marked:
                continue
            marked.add(ref.key)
            stack.extend(calls[ref.key].parents)
    marked.difference_update(outputs)
    queue = [key for key in listed if key not in marked]
    while queue:
        call = calls[queue.pop()]
        for ref in call.data + call.states:
            if ref.key in marked:
                marked.discard(ref.key)
                queue.append(ref.key)
    return marked


def mask_source(calls: Mapping[Key, Call], call: Call, mask: MaskId, ref: Optional[Ref],
                carried: Callable[[Ref], Optional[MaskId]], folded: Set[Key],
                shape: Optional[Shape] = None) -> Source:
    """The drawn call a mask passed to ``call`` comes from.

    A mask that travels with a data input is traced back through the layers that pass it
    on to the layer that made it (Masking, Embedding). Any other mask comes from the
    nearest drawn call above the raw ops that computed it. ``ref`` is the mask argument
    (``None`` where Keras passed the input's mask implicitly); ``shape`` the mask's shape
    when ``ref`` states none.
    """
    for tensor in call.data:
        if carried(tensor) == mask:
            while True:
                upstream = [u for u in calls[tensor.key].data if carried(u) == mask]
                if not upstream:
                    return tensor.key, tensor.tensor, _mask_shape(ref, shape)
                tensor = upstream[0]
    if ref is None:
        raise ValueError("a mask passed implicitly is carried by an input")
    key, index = ref.key, ref.tensor
    while key in folded:
        parents = calls[key].parents
        if not parents:
            break
        key, index = parents[0].key, parents[0].tensor
    return key, index, _mask_shape(ref, shape)


def _mask_shape(ref: Optional[Ref], shape: Optional[Shape]) -> Shape:
    found = ref.shape if ref is not None and ref.shape is not None else shape
    if found is None:
        raise ValueError("a mask of unknown shape")
    return found
