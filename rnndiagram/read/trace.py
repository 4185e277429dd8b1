"""Stage 0, inside a custom layer: its ``call`` run on symbolic inputs, as Keras itself runs
it to infer output shapes, with the layers and ops it calls recorded as a functional graph.

A custom layer that owns recurrent layers (a pointer network's decoder stepping an
``LSTMCell``, BiDAF's span-end ``Bidirectional(LSTM)``, Listen-Attend-Spell's pyramidal
BiLSTMs) hides its main recurrence inside its ``call``; traced, it becomes a nested graph
that is drawn as a nested model is. A call that cannot be traced (Python control flow on
values, a backend function that takes no symbolic tensor) stays one box.
"""

from __future__ import annotations

import collections
import contextlib
import inspect
import warnings
from types import ModuleType
from typing import Any, Callable, Dict, Iterator, List, Optional, Set


BATCHES = (83, 89)
"""The batch sizes a call that cannot run on an unknown batch size is traced at, twice (as
Keras's JAX backend works out output shapes): a size that differs between the two traces
depends on the batch, and is unknown (``None``), such as ``batch * nodes`` in a graph
network that runs its LSTM on every node's sequence."""


def trace_call(keras: ModuleType, layer: Any, node: Any, batch: Optional[int] = None) -> Optional[Any]:
    """The functional ``keras.Model`` of what ``layer`` does in the call ``node`` (its
    tensor arguments made ``keras.Input`` of the same shapes, named after the parameters of
    its ``call``, its other arguments kept), or ``None`` where its ``call`` cannot run on
    symbolic tensors (:func:`_as_model`). Given ``batch``, an unknown batch size (the first
    axis) of an argument is made that size."""
    inputs: List[Any] = []
    taken: Dict[str, int] = {}

    def fresh(base: str) -> Callable[[Any], Any]:
        def made(value: Any) -> Any:
            if not isinstance(value, keras.KerasTensor):
                return value
            taken[base] = taken.get(base, 0) + 1
            shape = tuple(value.shape)
            if batch is not None and shape and shape[0] is None:
                shape = (batch, *shape[1:])
            tensor = keras.Input(batch_shape=shape, dtype=value.dtype,
                                 name=base if taken[base] == 1 else f"{base}_{taken[base]}")
            inputs.append(tensor)
            return tensor
        return made

    def run() -> Any:
        names = _parameters(layer.call, len(node.arguments.args))
        args = [keras.tree.map_structure(fresh(name), a) for name, a in zip(names, node.arguments.args)]
        # In Keras's order of a call's tensors (its node's): the arguments, then the keywords sorted.
        kwargs = {k: keras.tree.map_structure(fresh(k), v) for k, v in sorted(node.arguments.kwargs.items())}
        return layer.call(*args, **kwargs)

    return _as_model(keras, layer, inputs, run)


def trace_model(keras: ModuleType, model: Any) -> Optional[Any]:
    """The functional ``keras.Model`` of what a subclassed, built ``model`` does, or ``None``:
    its ``call`` run on ``keras.Input`` of the shapes it was built with (batch unknown), as
    a custom layer's is. An input that an ``Embedding`` reads is made of integers (the
    shapes say nothing of types), so it is traced again with those."""
    shapes = (getattr(model, "_build_shapes_dict", None) or {}).get("input_shape")
    if shapes is None:
        return None
    traced = _traced_model(keras, model, shapes, set())
    tokens = _token_inputs(keras, traced) if traced is not None else set()
    return _traced_model(keras, model, shapes, tokens) if tokens else traced


def _traced_model(keras: ModuleType, model: Any, shapes: Any, tokens: Set[int]) -> Optional[Any]:
    inputs: List[Any] = []

    def made(shape: Any) -> Any:
        k = len(inputs)
        inputs.append(keras.Input(batch_shape=(None, *tuple(shape)[1:]), dtype="int32" if k in tokens else None,
                                  name="inputs" if k == 0 else f"inputs_{k + 1}"))
        return inputs[-1]

    return _as_model(keras, model, inputs, lambda: model.call(keras.tree.map_shape_structure(made, shapes)))


def _as_model(keras: ModuleType, owner: Any, inputs: List[Any], run: Callable[[], Any]) -> Optional[Any]:
    """What ``run()`` returns (``owner``'s call on the ``keras.Input`` it adds to
    ``inputs``) as a functional ``keras.Model`` named after ``owner``; ``None`` where it
    fails or returns anything but tensors. Keras names the ops it records from global
    counters: they start from zero here (the same names whatever was built before) and are
    put back after, so tracing does not rename the user's next layers."""
    from keras.src.backend.common import global_state

    saved = global_state.get_global_attribute("object_name_uids", None)
    global_state.set_global_attribute("object_name_uids", collections.defaultdict(int))
    try:
        with warnings.catch_warnings(), _cells_shaped_by_units(keras, owner):
            warnings.simplefilter("ignore")
            flat = list(keras.tree.flatten(run()))
            if not inputs or not flat or not all(isinstance(t, keras.KerasTensor) for t in flat):
                return None
            return keras.Model(inputs, flat if len(flat) > 1 else flat[0], name=owner.name)
    except Exception:  # a call that needs real values, or a graph Keras cannot make of it
        return None
    finally:
        global_state.set_global_attribute("object_name_uids", saved)


def _token_inputs(keras: ModuleType, traced: Any) -> Set[int]:
    """The positions of the inputs of ``traced`` that an ``Embedding`` reads."""
    ids = {id(t): k for k, t in enumerate(traced.inputs)}
    return {ids[id(t)] for op in traced.operations if isinstance(op, keras.layers.Embedding)
            for node in op._inbound_nodes for t in node.input_tensors if id(t) in ids}


def runnable(keras: ModuleType, op: Any, node: Any, batch: int) -> Optional[Any]:
    """The model that the nested call ``node`` of ``op`` runs, to run it on a batch of
    ``batch`` examples: a nested model itself; a custom layer's call traced
    (:func:`trace_call`) at an unknown batch size, else at ``batch``."""
    if isinstance(op, keras.Model):
        return op
    traced = trace_call(keras, op, node)
    return traced if traced is not None else trace_call(keras, op, node, batch)


CELLS = ("LSTMCell", "GRUCell", "SimpleRNNCell")
"""The cells whose output Keras's own ``call`` gives, from the step it reads: one vector of
``units`` per example, and each state the same."""


@contextlib.contextmanager
def _cells_shaped_by_units(keras: ModuleType, layer: Any) -> Iterator[None]:
    """For the time of a trace, the cells of :data:`CELLS` that ``layer`` owns work out what
    a call on one step returns from their units, as their ``call`` does: left to Keras, each
    call is traced into a backend graph to find out (in TensorFlow about 20 ms a call, most
    of a pointer network's drawing). A call on anything but one step per example is left
    to Keras."""
    owned = getattr(layer, "_flatten_layers", None)
    cells = [c for c in (owned(include_self=False) if owned else ())
             if type(c).__name__ in CELLS and type(c).__module__.startswith("keras.")
             and "compute_output_spec" not in vars(c)]  # nor one whose own the user set
    for cell in cells:
        object.__setattr__(cell, "compute_output_spec", _step_spec(keras, cell))
    try:
        yield
    finally:
        for cell in cells:
            object.__delattr__(cell, "compute_output_spec")


def _step_spec(keras: ModuleType, cell: Any) -> Callable[..., Any]:
    keras_spec = cell.compute_output_spec

    def spec(inputs: Any, states: Any, *args: Any, **kwargs: Any) -> Any:
        shape = getattr(inputs, "shape", None)
        if shape is None or len(shape) != 2:
            return keras_spec(inputs, states, *args, **kwargs)

        def vector() -> Any:
            return keras.KerasTensor((shape[0], cell.units), dtype=cell.compute_dtype)
        if type(cell).__name__ == "LSTMCell":
            return vector(), [vector(), vector()]  # h, [h, c]
        return vector(), ([vector()] if isinstance(states, (list, tuple)) else vector())
    return spec


def _parameters(call: Callable[..., Any], count: int) -> List[str]:
    """The names of the first ``count`` positional parameters of ``call`` (``inputs``,
    ``arg_2``... where it takes ``*args``)."""
    try:
        found = [p.name for p in inspect.signature(call).parameters.values()
                 if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        found = []
    return (found + [f"arg_{k + 1}" for k in range(len(found), count)])[:count]
