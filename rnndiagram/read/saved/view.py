"""Stage 0 for saved files: a serialized layer as the spec builder reads it."""

from __future__ import annotations

from typing import Any, Mapping, Optional, Protocol, Tuple

from ...errors import SourceError
from ...spec import ModelSpec, Shape
from ..layers import ACTIVATIONS, SAVED_NAMES, SUMMARY_KEYS
from ..view import StateSize
from ..calls import Unsupported
from ..config import Cfg, entry_name, is_builtin, is_model, is_op

# Settings read with a type check, since a file is untrusted; the others are only printed.
_INTS = ("units", "filters")
_BOOLS = ("return_sequences", "return_state", "go_backwards", "stateful")

# Cells that rnndiagram itself registers (the custom_cell_rnn example): one state of units.
_OWN_CELLS = {"rnndiagram>MinimalRNNCell"}


class Reader(Protocol):
    """What a view asks of the graph that holds it."""

    def outputs_of(self, entry: Cfg, inputs: Tuple[Shape, ...]) -> Tuple[Shape, ...]: ...

    def nested_spec(self, entry: Cfg) -> ModelSpec: ...


class FileView:
    """A layer or op serialized as ``entry``; its class is known only if it is Keras's own."""

    def __init__(self, entry: Cfg, reader: Reader) -> None:
        self.entry, self.reader = entry, reader
        self.name = entry_name(entry)
        self.op = is_op(entry)
        self.model = is_model(entry)
        saved = entry.str("class_name")
        builtin = is_builtin(entry) and not self.op
        self.class_name: str = SAVED_NAMES.get(saved, saved) if builtin else saved
        self.mro: Tuple[str, ...] = (self.class_name,) if builtin else ()
        self.skeleton = ""
        """For an op: its arguments with the tensors blanked out (see ``nodes.skeleton``)."""

    @property
    def config(self) -> Cfg:
        return self.entry.sub("config")

    def setting(self, key: str) -> Any:
        config = self.config
        if key in _INTS:
            return config.int(key, None)
        if key in _BOOLS:
            return config.bool(key, False)
        value = config.raw(key, None)
        return activation_name(value) if key in ACTIVATIONS else value

    def printed_settings(self) -> Optional[Mapping[str, Any]]:
        data = self.config.data
        return {key: activation_name(data[key]) if key in ACTIVATIONS else data[key]
                for key in SUMMARY_KEYS if key in data}

    def child(self, key: str) -> "FileView":
        config = self.config
        if key == "forward_layer" or (key == "backward_layer" and key not in config):
            key = "layer"
        return FileView(config.sub(key), self.reader)

    def children(self, key: str) -> Tuple["FileView", ...]:
        items = self.config.raw(key)
        if not isinstance(items, list) or not items:
            raise SourceError(f"{self.config.where}.{key}: expected a list of layers")
        return tuple(FileView(Cfg(item, f"{self.config.where}.{key}[{i}]"), self.reader)
                     for i, item in enumerate(items))

    def output_shapes(self, inputs: Tuple[Shape, ...]) -> Tuple[Shape, ...]:
        return self.reader.outputs_of(self.entry, inputs)

    def state_sizes(self) -> Tuple[StateSize, ...]:
        if self.entry.raw("registered_name", None) in _OWN_CELLS:
            return ((self.config.int("units"),),)
        raise Unsupported(f"it runs the custom cell {self.class_name}, which has no shape rule")

    def nested_spec(self) -> ModelSpec:
        return self.reader.nested_spec(self.entry)

    def sublayers(self) -> Tuple["FileView", ...]:
        return ()

    def outside_weight_shapes(self) -> Tuple[Tuple[str, Tuple[int, ...]], ...]:
        return ()

    def traced_spec(self) -> Optional[ModelSpec]:
        return None  # its code is not run

    def weight_shapes(self, input_size: Optional[int]) -> Optional[Tuple[Tuple[str, Tuple[int, ...]], ...]]:
        if self.entry.raw("registered_name", None) in _OWN_CELLS and input_size is not None:
            units = self.config.int("units")  # h = tanh(x W + h U), no bias (read/loading.py)
            return (("kernel", (input_size, units)), ("recurrent_kernel", (units, units)))
        return None


def activation_name(value: Any) -> Optional[str]:
    """The name the live reader prints for a serialized activation: ``"tanh"``; a layer or
    callable object by its class; a function by its name (``"demo>softmax_over_time"`` is
    ``softmax_over_time``; a lambda, stored as its bytecode, ``<lambda>``). Which function
    it is does not matter to shapes: an activation keeps them."""
    if value is None or isinstance(value, str):
        return value
    kind = value.get("class_name") if isinstance(value, dict) else None
    if kind == "function":
        if isinstance(value.get("config"), str):
            return value["config"].rsplit(">", 1)[-1]
    elif kind == "__lambda__" or (isinstance(value, dict) and set(value) == {"value"}):
        return "<lambda>"  # its bytecode, which is never run here
    elif isinstance(kind, str):
        return kind
    raise Unsupported(f"a custom activation written as {type(value).__name__} {str(value)[:60]!r}")
