"""Stage 0 helper for saved files: which mask each tensor carries, and where a mask comes from.

Introspection asks Keras which mask a live tensor carries (``_keras_mask``) and traces a
layer's mask argument to the layer that made it. A file stores the mask arguments but not
what the tensors carry, so this module replays Keras's mask rules (``Layer.compute_mask``
and its overrides) call by call. Masks are compared as introspection's ``_same_mask``
compares them: by the computation that makes them, so ``not_equal(t, 0)`` built by an
Embedding and the same op stored in the file are one mask.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Tuple

from ...spec import Shape
from ..calls import Call, Key, MaskId, Ref, Source, Unsupported, mask_source
from ..layers import BIDIRECTIONAL, CONCAT, NEW, PASS, RNN, SAME_MASKS, TOKENS_MASK, VALUES_MASK, kind_of
from .nodes import skeleton
from .view import FileView

if TYPE_CHECKING:  # the graph makes the masks
    from .graph import Graph, Shapes

Mask = MaskId
"""A mask: ``("op", n)`` the n-th distinct computation seen (ops over tensors), or ``("new", key)``
made by a merge or attention call (not replayed op by op)."""


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
        if self.graph.implicit_masks and not call.masks:
            # Keras passes a layer whose call takes a mask the mask its input carries.
            row = kind_of(call.view.mro)
            takes = call.view.model or (row is not None and row.takes_mask)
            given = [m for m in carried if m is not None] if takes else []
            sources = [self._source(call, mask, None) for mask in given]
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
            view = _file_view(call)
            if not view.op:
                form: Tuple[Any, ...] = ("tensor", ref.key, ref.tensor)
            else:
                form = (view.class_name, _settings(view.config.data), view.skeleton, ref.tensor,
                        tuple(self.canonical(p) for p in call.parents))
            self._canonical[(ref.key, ref.tensor)] = self._intern(form)
        return self._canonical[(ref.key, ref.tensor)]

    def _intern(self, form: Tuple[Any, ...]) -> Mask:
        # Small ids keep comparing and hashing shallow however long an op chain is.
        return ("op", self._forms.setdefault(form, len(self._forms)))

    def _made(self, call: Call, behaviour: str) -> Mask:
        """The mask an Embedding (``not_equal(x, 0)``) or Masking (``any(not_equal(x, v), -1)``)
        call makes, as the same computation its stored copy is."""
        source = self.canonical(call.args[0])
        if behaviour == TOKENS_MASK:
            return self._intern(("NotEqual", _settings(None), skeleton([[_TENSOR, 0], {}]), 0, (source,)))
        value = _file_view(call).config.raw("mask_value", 0.0)
        test = self._intern(("NotEqual", _settings(None), skeleton([[_TENSOR, value], {}]), 0, (source,)))
        return self._intern(("Any", _settings({"axis": -1, "keepdims": False}), skeleton([[_TENSOR], {}]),
                             0, (test,)))

    def _carried_like(self, call: Call, mask: Mask) -> Mask:
        """The mask an input carries if the stored argument is (a copy of) it, else the argument."""
        for ref in call.data:
            carried = self.mask(ref)
            if carried is not None and (carried == mask or carried[0] == "new"):
                # A merge's mask is not replayed op by op; Keras passes it on unchanged.
                return carried
        return mask

    def _source(self, call: Call, mask: Mask, ref: Optional[Ref]) -> Source:
        try:
            return mask_source(self.graph.calls, call, mask, ref, self.mask, self.shapes.folded,
                               self.shape.get(mask))
        except ValueError:
            raise Unsupported("it receives a mask that the file reader cannot trace") from None

    def _outputs(self, call: Call, previous: Sequence[Optional[Mask]]) -> List[Optional[Mask]]:
        """The masks of a call's outputs, from the mask it was given (``compute_mask``)."""
        count = len(self.shapes.keras[call.key])
        none: List[Optional[Mask]] = [None] * count
        view = _file_view(call)
        row = None if view.op else kind_of(view.mro)
        # A nested model passes no mask on: it does not support masking (Layer.__call__ warns).
        if row is None or not call.parents:
            return none
        config = view.config
        behaviour = row.mask
        if behaviour == TOKENS_MASK and not config.bool("mask_zero", False):
            behaviour = None
        first = previous[0]
        if behaviour == PASS:
            return [previous[i] if i < len(previous) else None for i in range(count)]
        if behaviour == RNN:
            return [first if config.bool("return_sequences", False) else None] + none[1:]
        if behaviour == BIDIRECTIONAL:
            if not config.sub("layer").sub("config").bool("return_sequences", False):
                return none
            return [first, first] + none[2:] if config.raw("merge_mode", "concat") is None else [first] + none[1:]
        if behaviour in (NEW, TOKENS_MASK, VALUES_MASK):
            made = self._made(call, behaviour) if behaviour != NEW else ("new", call.key)
            inputs = self.shapes.keras[call.args[0].key][call.args[0].tensor]
            self.shape[made] = inputs if behaviour == TOKENS_MASK else inputs[:-1]
            return [made] + none[1:]
        if behaviour in (SAME_MASKS, CONCAT):
            if all(m is None for m in previous) or (behaviour == SAME_MASKS and None in previous):
                return none
            kept = previous[0] if behaviour == SAME_MASKS and len(previous) == 1 else ("new", call.key)
            return [kept] + none[1:]
        return none


_TENSOR = {"class_name": "__keras_tensor__"}


def _settings(config: Optional[Dict[str, Any]]) -> str:
    return skeleton({k: v for k, v in (config or {}).items() if k != "name"})


def _file_view(call: Call) -> FileView:
    assert isinstance(call.view, FileView)
    return call.view
