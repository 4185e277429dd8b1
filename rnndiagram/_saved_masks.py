"""Stage 0 helper for saved files: which mask each tensor carries, and where a mask comes from.

Introspection asks Keras which mask a live tensor carries (``_keras_mask``) and traces a
layer's mask argument to the layer that made it. A file stores the mask arguments but not
what the tensors carry, so this module replays Keras's mask rules (``Layer.compute_mask``
and its overrides) call by call. Masks are compared as introspection's ``_same_mask``
compares them: by the computation that makes them, so ``not_equal(t, 0)`` built by an
Embedding and the same op stored in the file are one mask.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

from ._saved_calls import Call, Key, Ref, is_model, is_op, skeleton
from ._saved_config import Cfg, Unsupported
from ._saved_graph import Graph, Shapes
from ._saved_recurrent import merge_mode
from ._shape_rules import MASK_ARGUMENT, MASK_BEHAVIOUR
from .spec import Shape

Mask = Tuple[Any, ...]
"""A mask: ``("op", n)`` the n-th distinct computation seen (ops over tensors), ``("new", key)``
made by a merge or attention call (not replayed op by op), or :data:`UNKNOWN`."""

UNKNOWN: Mask = ("unknown",)
Source = Tuple[Key, int, Shape]
"""Where a mask connection comes from: the call, its output index, and the mask's shape."""


class Masks:
    """The masks of a graph's tensors, filled in as :meth:`visit` walks the calls in order."""

    def __init__(self, graph: Graph, shapes: Shapes) -> None:
        self.graph, self.shapes = graph, shapes
        self.of: Dict[Key, List[Optional[Mask]]] = {}
        self.shape: Dict[Mask, Shape] = {}
        self._forms: Dict[Tuple[Any, ...], int] = {}
        self._canonical: Dict[Tuple[Key, int], Mask] = {}

    def mask(self, ref: Ref) -> Optional[Mask]:
        masks = self.of.get(ref.key, [])
        return masks[ref.tensor] if ref.tensor < len(masks) else None

    def visit(self, call: Call) -> List[Source]:
        """Where each mask passed to ``call`` comes from; records the masks of its outputs."""
        carried = [self.mask(r) for r in call.first]
        if self.graph.sequential:
            # Keras passes a layer whose call takes a mask the mask its input carries.
            given = [(m, None) for m in carried if m is not None] if call.class_name in MASK_ARGUMENT else []
            sources = [self._source(call, mask, None) for mask, _ in given]
            self.of[call.key] = self._outputs(call, carried or [None])
            return sources
        sources, passed = [], []
        for ref in call.masks:
            mask = self._carried_like(call, self.canonical(ref))
            passed.append(mask)
            sources.append(self._source(call, mask, ref))
        # The output mask follows the mask argument when there is one (Layer.__call__).
        self.of[call.key] = self._outputs(call, (passed if call.masks else carried) or [None])
        return sources

    def canonical(self, ref: Ref) -> Mask:
        """A stored tensor as a computation: a layer's output stands for itself, an op's
        result for its class, settings and arguments."""
        if (ref.key, ref.tensor) not in self._canonical:
            call = self.graph.calls[ref.key]
            if not is_op(call.entry):
                form: Tuple[Any, ...] = ("tensor", ref.key, ref.tensor)
            else:
                form = (call.class_name, _settings(call.config.data), call.skeleton, ref.tensor,
                        tuple(self.canonical(p) for p in call.parents))
            self._canonical[(ref.key, ref.tensor)] = self._intern(form)
        return self._canonical[(ref.key, ref.tensor)]

    def _intern(self, form: Tuple[Any, ...]) -> Mask:
        # Small ids keep comparing and hashing shallow however long an op chain is.
        return ("op", self._forms.setdefault(form, len(self._forms)))

    def _made(self, call: Call) -> Mask:
        """The mask an Embedding (``not_equal(x, 0)``) or Masking (``any(not_equal(x, v), -1)``)
        call makes, as the same computation its stored copy is."""
        source = self.canonical(call.args[0])
        if call.class_name == "Embedding":
            return self._intern(("NotEqual", _settings(None), skeleton([[_TENSOR, 0], {}]), 0, (source,)))
        value = call.config.raw("mask_value", 0.0)
        test = self._intern(("NotEqual", _settings(None), skeleton([[_TENSOR, value], {}]), 0, (source,)))
        return self._intern(("Any", _settings({"axis": -1, "keepdims": False}), skeleton([[_TENSOR], {}]),
                             0, (test,)))

    def _carried_like(self, call: Call, mask: Mask) -> Mask:
        """The mask an input carries if the stored argument is (a copy of) it, else the argument."""
        for ref in call.data:
            carried = self.mask(ref)
            if carried is UNKNOWN:
                raise Unsupported("it receives a mask that the file reader cannot trace")
            if carried is not None and (carried == mask or carried[0] == "new"):
                # A merge's mask is not replayed op by op; Keras passes it on unchanged.
                return carried
        return mask

    def _source(self, call: Call, mask: Mask, ref: Optional[Ref]) -> Source:
        for tensor in call.data:
            if self.mask(tensor) == mask:
                while True:
                    upstream = [u for u in self.graph.calls[tensor.key].data if self.mask(u) == mask]
                    if not upstream:
                        return tensor.key, tensor.tensor, ref.shape if ref is not None else self.shape[mask]
                    tensor = upstream[0]
        if ref is None:
            raise Unsupported("it receives a mask that the file reader cannot trace")
        key, index = ref.key, ref.tensor
        while key in self.shapes.folded:
            parents = self.graph.calls[key].parents
            if not parents:
                break
            key, index = parents[0].key, parents[0].tensor
        return key, index, ref.shape

    def _outputs(self, call: Call, previous: Sequence[Optional[Mask]]) -> List[Optional[Mask]]:
        """The masks of a call's outputs, from the mask it was given (``compute_mask``)."""
        count = len(self.shapes.keras[call.key])
        none: List[Optional[Mask]] = [None] * count
        if is_op(call.entry) or not call.parents:
            return none
        if is_model(call.entry):
            made = _makes_masks(call.entry) or any(m is not None for m in previous)
            return [UNKNOWN if made else None] * count
        kind, config = call.class_name, call.config
        behaviour = MASK_BEHAVIOUR.get(kind)
        if kind == "Embedding" and not config.bool("mask_zero", False):
            behaviour = None
        first = previous[0]
        if behaviour == "pass":
            return [previous[i] if i < len(previous) else None for i in range(count)]
        if behaviour == "rnn":
            return [first if config.bool("return_sequences", False) else None] + none[1:]
        if behaviour == "bidirectional":
            if not config.sub("layer").sub("config").bool("return_sequences", False):
                return none
            return [first, first] + none[2:] if merge_mode(config) is None else [first] + none[1:]
        if behaviour == "new":
            made = self._made(call) if kind in ("Embedding", "Masking") else ("new", call.key)
            inputs = self.shapes.keras[call.args[0].key][call.args[0].tensor]
            self.shape[made] = inputs if kind == "Embedding" else inputs[:-1]
            return [made] + none[1:]
        if behaviour in ("merge", "concat"):
            if all(m is None for m in previous) or (behaviour == "merge" and None in previous):
                return none
            if UNKNOWN in previous:
                return [UNKNOWN] + none[1:]
            kept = previous[0] if behaviour == "merge" and len(previous) == 1 else ("new", call.key)
            return [kept] + none[1:]
        return none


_TENSOR = {"class_name": "__keras_tensor__"}


def _settings(config: Optional[Dict[str, Any]]) -> str:
    return skeleton({k: v for k, v in (config or {}).items() if k != "name"})


def _makes_masks(entry: Cfg) -> bool:
    """Whether a nested model holds a layer that makes masks (then its outputs may carry one)."""
    stack: List[Any] = [entry.data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if item.get("class_name") == "Masking" or (
                    item.get("class_name") == "Embedding"
                    and isinstance(item.get("config"), dict) and item["config"].get("mask_zero")):
                return True
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False

