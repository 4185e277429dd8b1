"""Stage 0, the Keras fallback: a saved model loaded (never run) by Keras itself, in safe mode.

Used by the dispatcher (:mod:`rnndiagram.read`) where the file reader has no rule for a
layer (``allow_load``), and by :mod:`rnndiagram.sources` where the model must run (values
mode). It reads no model itself: the live reader reads what it loads. rnndiagram's own
serializable classes (the custom cell of the ``custom_cell_rnn`` example) are registered
first, so a file that uses them loads like any other.
"""

from __future__ import annotations

import functools
import re
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Dict, Optional, Tuple, Union

from ..errors import SourceError
from .keras_import import import_keras
from .saved.archive import MAX_LOAD_BYTES, check_for_loading

MAX_REASON = 300
"""The most of Keras's own message an error quotes: Keras appends whole configs (kilobytes)."""


def load_model(source: Union[str, Path, bytes], where: str) -> Any:
    """The model saved at ``source`` (a path, or a ``.keras`` file's bytes), loaded by Keras
    without compiling it; a file Keras cannot load, or one too big to hand it
    (:data:`~rnndiagram.read.saved.archive.MAX_LOAD_BYTES`), is a :class:`SourceError`."""
    _check_size(source, where)
    keras = import_keras()
    minimal_rnn_cell_class()
    try:
        if isinstance(source, (bytes, bytearray)):
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "model.keras"
                path.write_bytes(source)
                return keras.saving.load_model(path, safe_mode=True, compile=False)
        return keras.saving.load_model(source, safe_mode=True, compile=False)
    except (ValueError, TypeError, OSError, KeyError) as exc:
        raise SourceError(f"cannot load the Keras model in {where}: {keras_reason(exc)}") from exc


def _check_size(source: Union[str, Path, bytes], where: str) -> None:
    """A zip archive (.keras) is checked entry by entry, another file (.h5) by its size."""
    if isinstance(source, (bytes, bytearray)) or zipfile.is_zipfile(source):
        check_for_loading(source, where)
        return
    try:
        size = Path(source).stat().st_size
    except OSError:
        return  # Keras reports the missing file
    if size > MAX_LOAD_BYTES:
        raise SourceError(f"{where} is {size:,} bytes, more than the {MAX_LOAD_BYTES:,} rnndiagram hands "
                          f"to Keras; draw it without --allow-load and --values, from a .keras file")


def keras_reason(exc: BaseException) -> str:
    """The sentence of a Keras error that says what went wrong, without the configs Keras
    appends (whole models, kilobytes), on one line.

    >>> keras_reason(ValueError("Model could not be deserialized. config={'a': 1}.\\n\\n"
    ...     "Exception encountered: Could not locate class 'Twice'. Full object config: {'x': 2}"))
    "Could not locate class 'Twice'; to load a custom class, draw the model from a file that imports it (path/to/file.py:build)"
    """
    text = str(exc).rsplit("Exception encountered:", 1)[-1]
    text = re.split(r"Full object config|config=\{", text, maxsplit=1)[0]
    text = " ".join(text.split()).rstrip(" .") or type(exc).__name__
    if "Could not locate class" in text or "Could not deserialize class" in text:  # Keras 3.12+, 3.7
        text = text.split(". ")[0] + ("; to load a custom class, draw the model from a file that imports it "
                                      "(path/to/file.py:build)")
    return text if len(text) <= MAX_REASON else text[:MAX_REASON - 1] + "…"


def from_config(data: Any, where: str = "") -> Any:
    """The model a Keras config (``model.to_json()``, parsed) describes, built by Keras;
    ``where`` names the file it came from, if any."""
    keras = import_keras()
    minimal_rnn_cell_class()
    try:
        return keras.saving.deserialize_keras_object(data, safe_mode=True)
    except (ValueError, TypeError, KeyError) as exc:
        raise SourceError(f"Keras cannot build the model config{' in ' + where if where else ''}: "
                          f"{keras_reason(exc)}") from exc


@functools.cache
def minimal_rnn_cell_class() -> type:
    """The custom cell of ``custom_cell_rnn``: ``h_t = tanh(x_t W + h_{t-1} U)``.

    Made on first use, so importing this module does not import Keras; it is registered
    for saving as ``rnndiagram>MinimalRNNCell`` (call this before loading such a file).
    """
    keras = import_keras()

    @keras.saving.register_keras_serializable(package="rnndiagram")
    class MinimalRNNCell(keras.layers.Layer):  # type: ignore[name-defined]
        def __init__(self, units: int, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.units = units
            self.state_size = units
            self.output_size = units

        def build(self, input_shape: Tuple[Optional[int], ...]) -> None:
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
            self.recurrent_kernel = self.add_weight(
                shape=(self.units, self.units), name="recurrent_kernel")

        def call(self, inputs: Any, states: Any) -> Tuple[Any, list]:
            ops = keras.ops
            h = ops.tanh(ops.matmul(inputs, self.kernel)
                         + ops.matmul(states[0], self.recurrent_kernel))
            return h, [h]

        def get_config(self) -> Dict[str, Any]:
            return {**super().get_config(), "units": self.units}

    return MinimalRNNCell
