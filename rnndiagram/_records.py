"""``@frozen`` and ``@record``: dataclasses made for a fraction of the cost of ``@dataclass``.

Python 3.11's ``dataclass(frozen=True)`` compiles six methods from source text, one ``exec``
each, for every class (``@dataclass``, three); for the few dozen records a diagram is made
of, that was about half of what ``rnndiagram export`` cost above importing click and jinja2.
``@frozen`` makes the class ``@dataclass(frozen=True)`` makes, and ``@record`` the one
``@dataclass`` makes (a dataclass to ``dataclasses.fields``, ``replace`` and ``asdict``,
compared and printed field by field, and hashed and immutable when frozen) with one small
``exec``, for ``__init__``: about a quarter of the cost. The other methods are shared
functions, and a method the class defines itself is kept. They make what the package's
records use: fields with or without a default or ``default_factory``, and ``__post_init__``;
anything else (an ``InitVar``, ``init=False``, ``kw_only``, ``hash=``) is refused when the
class is defined.
"""

from __future__ import annotations

import dataclasses
import inspect
import sys
from dataclasses import MISSING, FrozenInstanceError
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Tuple, TypeVar

T = TypeVar("T")

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:
    def dataclass_transform(**_: Any) -> Callable[[T], T]:
        return lambda decorator: decorator


def _params(frozen: bool) -> Any:
    # A dataclass's flags as dataclasses keep them: borrowed from an empty one, then set. The
    # docstring spares dataclasses writing one from the signature (which compiles tokenize's regexes).
    empty = type("_Flags", (), {"__doc__": "Flags."})
    params = vars(dataclasses.dataclass(init=False, repr=False, eq=False)(empty))
    flags = params["__dataclass_params__"]
    flags.init = flags.repr = flags.eq = True
    flags.frozen = frozen
    return flags


_PARAMS = {True: _params(True), False: _params(False)}


class _Factory:
    def __repr__(self) -> str:
        return "<factory>"


_FACTORY = _Factory()


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field, dataclasses.Field))
def frozen(cls: type[T]) -> type[T]:
    """``cls`` made a frozen dataclass, as ``@dataclass(frozen=True)`` would make it."""
    return _make(cls, frozen=True)


@dataclass_transform(field_specifiers=(dataclasses.field, dataclasses.Field))
def record(cls: type[T]) -> type[T]:
    """``cls`` made a dataclass whose fields can change, as ``@dataclass`` would make it."""
    return _make(cls, frozen=False)


def _make(cls: type[T], frozen: bool) -> type[T]:
    documented = bool(cls.__dict__.get("__doc__"))
    if not documented:
        cls.__doc__ = "-"  # written below, once the signature is known
    dataclasses.dataclass(cls, init=False, repr=False, eq=False)
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    _check(cls, fields)
    cls.__dataclass_params__ = _PARAMS[frozen]  # type: ignore[attr-defined]
    compared = tuple(f.name for f in fields if f.compare)
    key = attrgetter(*compared) if len(compared) > 1 else _single(compared)
    shown = tuple(f.name for f in fields if f.repr)
    names = frozenset(f.name for f in fields)

    def __eq__(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            return key(self) == key(other)
        return NotImplemented

    def __hash__(self: Any) -> int:
        return hash(key(self))

    def __repr__(self: Any) -> str:
        inside = ", ".join(f"{name}={getattr(self, name)!r}" for name in shown)
        return f"{self.__class__.__qualname__}({inside})"

    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)

    own = cls.__dict__
    class_hash = own.get("__hash__", MISSING)
    explicit_hash = not (class_hash is MISSING or (class_hash is None and "__eq__" in own))
    methods: Dict[str, Any] = {"__init__": _init(cls, fields, frozen), "__eq__": __eq__, "__repr__": __repr__}
    if frozen:
        methods.update(__hash__=__hash__, __setattr__=__setattr__, __delattr__=__delattr__)
    for name, method in methods.items():
        if name in ("__setattr__", "__delattr__") and name in own:
            raise TypeError(f"cannot overwrite attribute {name} in class {cls.__name__}")
        if name in own and (name != "__hash__" or explicit_hash):
            continue  # a method the class defines is kept, as dataclasses keep it
        method.__qualname__ = f"{cls.__qualname__}.{name}"
        setattr(cls, name, method)
    if not frozen and not explicit_hash:
        cls.__hash__ = None  # type: ignore[assignment]  # changeable and compared: unhashable, as dataclasses make it
    if not documented:
        cls.__doc__ = cls.__name__ + str(inspect.signature(cls)).replace(" -> None", "")
    return cls


def _single(names: Tuple[str, ...]) -> Callable[[Any], Tuple[Any, ...]]:
    # attrgetter of one name gives the value, not a 1-tuple: hash as dataclasses do.
    if not names:
        return lambda _: ()
    name = names[0]
    return lambda obj: (getattr(obj, name),)


def _check(cls: type, fields: Tuple[dataclasses.Field, ...]) -> None:
    pseudo = len(vars(cls)["__dataclass_fields__"]) - len(fields)
    odd = [f.name for f in fields if not f.init or f.kw_only is True or f.hash is not None]
    if pseudo or odd:
        raise TypeError(f"@frozen and @record do not make {cls.__qualname__}'s InitVar, ClassVar, "
                        f"init=False, kw_only or hash= fields; use @dataclass for it")
    defaulted = False
    for f in fields:
        has_default = f.default is not MISSING or f.default_factory is not MISSING
        if defaulted and not has_default:
            raise TypeError(f"non-default argument {f.name!r} follows default argument")
        defaulted = defaulted or has_default


def _init(cls: type, fields: Tuple[dataclasses.Field, ...], frozen: bool) -> Callable[..., None]:
    # __init__ keeps its module's globals, as dataclasses' does, so that typing.get_type_hints
    # (and Sphinx) can read its hints; its defaults are set after, and the helpers a
    # default_factory needs are handed in through an enclosing function.
    helpers: Dict[str, Any] = {}
    params: List[str] = []
    defaults: List[Any] = []
    lines: List[str] = []
    for f in fields:
        value = f.name
        if f.default is not MISSING:
            params.append(f"{f.name}=None")
            defaults.append(f.default)
        elif f.default_factory is not MISSING:
            params.append(f"{f.name}=None")
            defaults.append(_FACTORY)
            helpers["__factory"], helpers[f"__make_{f.name}"] = _FACTORY, f.default_factory
            value = f"__make_{f.name}() if {f.name} is __factory else {f.name}"
        else:
            params.append(f.name)
        lines.append(f"object.__setattr__(self, {f.name!r}, {value})" if frozen else f"self.{f.name} = {value}")
    if hasattr(cls, "__post_init__"):
        lines.append("self.__post_init__()")
    indent = "  " if helpers else " "
    source = f"def __init__(self, {', '.join(params)}):\n" + "\n".join(indent + line for line in lines or ["pass"])
    if helpers:
        source = f"def __create_fn__({', '.join(helpers)}):\n " + source.replace("\n", "\n ") + "\n return __init__"
    module = sys.modules.get(cls.__module__)
    namespace: Dict[str, Any] = {}
    exec(source, vars(module) if module is not None else {}, namespace)
    init = namespace["__create_fn__"](**helpers) if helpers else namespace["__init__"]
    init.__defaults__ = tuple(defaults) or None
    init.__annotations__ = {**{f.name: f.type for f in fields}, "return": None}
    return init
