"""Stage 0, what the spec builder asks of a layer, whichever reader found it.

The live reader answers from a Keras object, the file reader from its saved config; the
builder, the roles and the recurrent specs are written once over this interface.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional, Protocol, Tuple

from ..spec import ModelSpec, Shape

StateSize = Optional[Shape]
"""A state's shape without batch; ``None`` where it is the shape of a step's output (ConvLSTM)."""


class LayerView(Protocol):
    """A layer (or a raw ``keras.ops`` operation), as a reader sees it."""

    @property
    def name(self) -> str: ...

    @property
    def class_name(self) -> str:
        """The class name printed on the diagram."""

    @property
    def mro(self) -> Tuple[str, ...]:
        """The names of its Keras classes, most specific first (empty for a custom class the
        reader cannot see into); the layer table is searched in this order."""

    @property
    def op(self) -> bool:
        """A raw ``keras.ops`` operation rather than a layer."""

    @property
    def model(self) -> bool:
        """A nested Sequential or functional model."""

    def setting(self, key: str) -> Any:
        """A setting (activations by name); ``None`` when the layer has no such setting."""

    def printed_settings(self) -> Optional[Mapping[str, Any]]:
        """Its settings among ``layers.SUMMARY_KEYS`` (activations by name), by key; ``None``
        if they cannot be read."""

    def child(self, key: str) -> "LayerView":
        """A layer it holds: ``layer`` (wrapped), ``forward_layer``, ``backward_layer``, ``cell``."""

    def children(self, key: str) -> Tuple["LayerView", ...]:
        """The layers of a list setting, e.g. the ``cells`` of a ``StackedRNNCells``."""

    def output_shapes(self, inputs: Tuple[Shape, ...]) -> Tuple[Shape, ...]:
        """Keras's output shapes of a call on tensors of ``inputs`` (flat)."""

    def state_sizes(self) -> Tuple[StateSize, ...]:
        """A custom cell's state shapes, without batch."""

    def weight_shapes(self, input_size: Optional[int]) -> Optional[Tuple[Tuple[str, Tuple[int, ...]], ...]]:
        """A custom cell's weights (name, shape) when it reads steps of ``input_size``
        features; ``None`` if the reader cannot know them."""

    def outside_weight_shapes(self) -> Tuple[Tuple[str, Tuple[int, ...]], ...]:
        """A recurrent layer's weights outside its cell (a QRNN's convolution before the
        step), by their path in the layer; none where the reader cannot see them."""

    def nested_spec(self) -> ModelSpec:
        """The spec of a nested model."""

    def traced_spec(self) -> Optional[ModelSpec]:
        """A custom layer's call as a nested graph (see ``trace.py``); ``None`` where the
        reader cannot run its code (a file) or the call cannot be traced."""

    def sublayers(self) -> Tuple["LayerView", ...]:
        """The layers a custom layer owns and calls inside its ``call`` (none where the
        reader cannot see them: a saved file keeps only the layer's own config)."""
