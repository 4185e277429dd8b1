"""``@frozen`` makes the class ``@dataclass(frozen=True)`` makes, and ``@record`` the one
``@dataclass`` makes: same fields, constructor, equality, hash, repr and immutability, and
``dataclasses`` functions work on them."""

from __future__ import annotations

import dataclasses
import inspect
import pickle
from dataclasses import FrozenInstanceError, dataclass, field
from typing import Dict, Tuple

import pytest

from rnndiagram._records import frozen, record


def _pair() -> Tuple[type, type]:
    def body() -> Dict[str, object]:
        return {"__annotations__": {"a": "int", "b": "str", "c": "Optional[float]", "d": "Tuple[int, ...]",
                                    "e": "Tuple[str, ...]"},
                "c": None, "d": field(default_factory=tuple), "e": field(default=("x",), compare=False),
                "__doc__": "A record."}
    return dataclass(frozen=True)(type("Rec", (), body())), frozen(type("Rec", (), body()))


def test_a_record_is_the_frozen_dataclass_it_stands_for() -> None:
    theirs, ours = _pair()
    for args, kwargs in [((1, "b"), {}), ((1, "b", 2.5, (3,)), {"e": ("y",)}), ((), {"a": 0, "b": ""})]:
        a, b = theirs(*args, **kwargs), ours(*args, **kwargs)
        assert repr(a) == repr(b)
        assert hash(a) == hash(b)
        assert dataclasses.astuple(a) == dataclasses.astuple(b)
        assert b == ours(*args, **kwargs) and b != theirs(*args, **kwargs)
    assert ours(1, "b", e=("other",)) == ours(1, "b")
    assert ours(1, "b") != ours(2, "b")
    assert ours(1, "b").d == ()
    assert [f.name for f in dataclasses.fields(ours)] == ["a", "b", "c", "d", "e"]
    assert str(inspect.signature(ours)) == str(inspect.signature(theirs))
    assert ours.__match_args__ == theirs.__match_args__
    assert ours.__doc__ == "A record."


def test_a_record_cannot_change_and_is_copied_by_replace_and_pickle() -> None:
    _, ours = _pair()
    rec = ours(1, "b")
    with pytest.raises(FrozenInstanceError):
        rec.a = 2
    with pytest.raises(FrozenInstanceError):
        del rec.b
    assert dataclasses.replace(rec, a=2) == ours(2, "b")
    assert dataclasses.asdict(rec)["a"] == 1
    assert dataclasses.is_dataclass(rec)
    assert ours.__dataclass_params__.frozen
    with pytest.raises(TypeError):
        ours()


@frozen
class Checked:
    """A record that checks itself."""

    low: int
    high: int = 10

    def __post_init__(self) -> None:
        if self.low > self.high:
            raise ValueError("low above high")


@frozen
class Plain:
    x: int


def test_post_init_runs_and_a_record_without_a_docstring_gets_its_signature() -> None:
    assert Checked(1).high == 10
    with pytest.raises(ValueError, match="low above high"):
        Checked(20)
    assert pickle.loads(pickle.dumps(Checked(1, 2))) == Checked(1, 2)
    assert Plain.__doc__ == "Plain(x: 'int')"
    assert repr(Plain(3)) == "Plain(x=3)" and hash(Plain(3)) == hash((3,))


def test_fields_a_record_cannot_make_are_refused_when_the_class_is_defined() -> None:
    with pytest.raises(TypeError, match="use @dataclass"):
        frozen(type("Bad", (), {"__annotations__": {"a": "int"}, "a": field(init=False, default=1)}))
    with pytest.raises(TypeError, match="follows default argument"):
        frozen(type("Bad", (), {"__annotations__": {"a": "int", "b": "int"}, "a": 1}))


def test_a_changeable_record_is_the_dataclass_it_stands_for() -> None:
    def body() -> Dict[str, object]:
        return {"__annotations__": {"a": "int", "items": "List[int]"}, "items": field(default_factory=list)}
    theirs, ours = dataclass(type("Rec", (), body())), record(type("Rec", (), body()))
    a, b = theirs(1), ours(1)
    assert repr(a) == repr(b) and ours.__doc__ == theirs.__doc__
    assert ours.__hash__ is None and theirs.__hash__ is None
    b.a = 2
    b.items.append(3)
    assert b == ours(2, [3]) and ours(1).items is not ours(1).items
    assert not ours.__dataclass_params__.frozen
    assert dataclasses.replace(b, a=5).items == [3]


@frozen
class Shown:
    """Prints itself its own way, and is hashed its own way."""

    x: int

    def __repr__(self) -> str:
        return f"<{self.x}>"

    def __hash__(self) -> int:
        return 7


def test_methods_a_class_defines_are_kept() -> None:
    assert repr(Shown(1)) == "<1>" and hash(Shown(1)) == 7 and Shown(1) == Shown(1)
    with pytest.raises(TypeError, match="cannot overwrite attribute __setattr__"):
        frozen(type("Bad", (), {"__annotations__": {"a": "int"}, "__setattr__": lambda *_: None}))


def test_a_records_type_hints_are_read_in_its_module_as_sphinx_reads_them() -> None:
    import typing

    from rnndiagram.spec import ModelSpec, TensorRef

    hints = typing.get_type_hints(ModelSpec.__init__)
    assert hints["outputs"] == Tuple[TensorRef, ...] and hints["name"] is str
    assert typing.get_type_hints(Checked.__init__)["high"] is int
