"""Hostile and broken files: each is a clear error, read in bounded memory, and
nothing is ever written. These tests need no Keras: the archives are built by hand."""

from __future__ import annotations

import copy
import json
import os
import struct
import tracemalloc
import warnings
import zipfile
from pathlib import Path
from typing import Any, Callable, Dict, List

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from rnndiagram.cli import main
from rnndiagram.errors import RnnDiagramError, SourceError, UnsupportedLayerError
from rnndiagram.saved import MAX_CONFIG_BYTES, read_config_json, read_saved
from rnndiagram.sources import resolve
from rnndiagram.spec import ModelSpec
from strategies import mutated


def tensor(layer: str, shape: List[Any], node: int = 0, index: int = 0) -> Dict[str, Any]:
    return {"class_name": "__keras_tensor__",
            "config": {"shape": shape, "dtype": "float32", "keras_history": [layer, node, index]}}


def layer(kind: str, name: str, config: Dict[str, Any], *calls: List[Any]) -> Dict[str, Any]:
    return {"module": "keras.layers", "class_name": kind, "config": {"name": name, **config},
            "registered_name": None, "name": name,
            "inbound_nodes": [{"args": list(args), "kwargs": {}} for args in calls]}


def config() -> Dict[str, Any]:
    """A functional model as Keras 3 writes it (reduced to the keys the reader uses)."""
    rnn = {"units": 4, "return_sequences": False, "return_state": False, "go_backwards": False,
           "stateful": False, "activation": "tanh"}
    return {"module": "keras.src.models.functional", "class_name": "Functional", "config": {
        "name": "tiny",
        "layers": [
            layer("InputLayer", "x", {"batch_shape": [None, 3, 2]}),
            layer("SimpleRNN", "rnn", rnn, [tensor("x", [None, 3, 2])]),
            layer("Dense", "dense", {"units": 1, "activation": "linear"}, [tensor("rnn", [None, 4])]),
        ],
        "input_layers": [["x", 0, 0]], "output_layers": [["dense", 0, 0]]}}


def archive(path: Path, entries: Dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about duplicate names
        with zipfile.ZipFile(path, "w", method) as z:
            for name, data in entries.items():
                z.writestr(name.split("#")[0], data)  # "config.json#2" writes a duplicate
    return path


def keras_file(path: Path, data: Any = None) -> Path:
    text = data if isinstance(data, (str, bytes)) else json.dumps(config() if data is None else data)
    return archive(path, {"metadata.json": b'{"keras_version": "3.15.1"}',
                          "config.json": text.encode() if isinstance(text, str) else text})


def test_hand_built_archive_reads(tmp_path: Path) -> None:
    spec = read_saved(keras_file(tmp_path / "m.keras"))
    assert [(l.id, l.role, l.output_shapes) for l in spec.layers] == [
        ("x", "input", ((None, 3, 2),)), ("rnn", "recurrent", ((None, 4),)), ("dense", "vector", ((None, 1),))]
    assert spec.layer("rnn").recurrent.states[0].shape == (None, 4)


# Not a Keras archive ----------------------------------------------------------------------


def truncated(path: Path) -> Path:
    data = keras_file(path).read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


@pytest.mark.parametrize("make, message", [
    (lambda p: p.write_bytes(b"not a zip") and p, "is not a .keras archive: it is not a zip file"),
    (lambda p: p.write_bytes(b"") or p, "it is not a zip file"),
    (truncated, "is not a .keras archive"),
    (lambda p: archive(p, {"model.weights.h5": b"x"}), "has no config.json.*model.weights.h5"),
    (lambda p: archive(p, {}), "has no config.json"),
    (lambda p: archive(p, {"config.json": b"{}", "config.json#2": b"{}"}), "two entries named 'config.json'"),
])
def test_files_that_are_not_keras_archives(tmp_path: Path, make: Callable[[Path], Any], message: str) -> None:
    path = tmp_path / "m.keras"
    make(path)
    with pytest.raises(SourceError, match=message):
        read_saved(path)
    with pytest.raises(SourceError, match=message.replace("m.keras ", "the archive ")
                       if message.startswith("is") else message):
        read_saved(path.read_bytes())


@pytest.mark.parametrize("name", ["../evil.txt", "/etc/evil", "a/../../evil", "..\\evil", "C:/evil",
                                  "C:\\evil", "ok/\\..\\..\\evil"])
def test_unsafe_entry_names_are_refused_and_nothing_is_written(tmp_path: Path, name: str) -> None:
    folder = tmp_path / "inside"
    folder.mkdir()
    path = archive(folder / "m.keras", {name: b"payload", "config.json": json.dumps(config()).encode()})
    before = sorted(p for p in tmp_path.rglob("*"))
    out = folder / "m.svg"
    result = CliRunner().invoke(main, ["export", str(path), "-o", str(out)])
    assert result.exit_code == 1 and "unsafe path" in result.output and "Traceback" not in result.output
    with pytest.raises(SourceError, match="an entry with an unsafe path"):
        read_saved(path)
    assert sorted(p for p in tmp_path.rglob("*")) == before and not Path("evil.txt").exists()


# Oversized entries and zip bombs ------------------------------------------------------------


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """config.json of 200 MB of spaces, deflated to ~200 kB."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.keras"
    chunk = b" " * (1 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        with z.open("config.json", "w", force_zip64=True) as entry:
            for _ in range(200):
                entry.write(chunk)
    return path


def _read_bounded(path: Path) -> SourceError:
    # Bounded by memory, not by the clock (a busy machine is slow): what is refused is never
    # unpacked, so the peak stays near the size limit.
    tracemalloc.start()
    try:
        with pytest.raises(SourceError) as error:
            read_saved(path)
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peak < 2 * MAX_CONFIG_BYTES + (8 << 20)
    return error.value


def test_a_zip_bomb_is_refused_before_it_is_unpacked(bomb: Path) -> None:
    assert bomb.stat().st_size < 2 << 20
    assert "would unpack to 209,715,200 bytes" in str(_read_bounded(bomb))


def _patch_sizes(source: Path, target: Path, size: int) -> Path:
    """A copy of an archive whose headers claim config.json unpacks to ``size`` bytes."""
    data = bytearray(source.read_bytes())
    with zipfile.ZipFile(source) as z:
        info = z.getinfo("config.json")
    local = info.header_offset
    central = data.rindex(b"PK\x01\x02")
    if info.file_size >= 0xFFFFFFFF or info.compress_size >= 0xFFFFFFFF:
        pytest.skip("zip64 sizes")
    struct.pack_into("<L", data, local + 22, size)
    struct.pack_into("<L", data, central + 24, size)
    target.write_bytes(bytes(data))
    return target


@pytest.fixture(scope="module")
def small_bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """50 MB of spaces without zip64 records, so its sizes can be rewritten."""
    path = tmp_path_factory.mktemp("bomb") / "small.keras"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
        z.writestr("config.json", b" " * (50 << 20))
    return path


@pytest.mark.parametrize("claimed, message", [
    (1000, "not a readable .keras archive"),        # unpacks past its claim: the read stops there
    (19 << 20, "times its packed size"),            # under the size cap, but a bomb's ratio
])
def test_a_bomb_that_lies_about_its_size_stops_early(small_bomb: Path, tmp_path: Path,
                                                     claimed: int, message: str) -> None:
    lying = _patch_sizes(small_bomb, tmp_path / "lying.keras", claimed)
    assert message in str(_read_bounded(lying))


def test_a_config_far_larger_than_any_real_one(tmp_path: Path) -> None:
    padded = json.dumps(config())[:-1] + ', "pad": "' + "x" * (MAX_CONFIG_BYTES + 10) + '"}'
    path = archive(tmp_path / "big.keras", {"config.json": padded.encode()}, zipfile.ZIP_STORED)
    assert "would unpack to" in str(_read_bounded(path))
    source = tmp_path / "big.json"
    with open(source, "wb") as f:
        f.truncate(MAX_CONFIG_BYTES + 1)  # sparse: nothing is really written
    with pytest.raises(SourceError, match="larger than any model spec or Keras config"):
        resolve(str(source))


def _patch_directory(path: Path, entries: int, size: int) -> Path:
    data = bytearray(path.read_bytes())
    end = data.rindex(b"PK\x05\x06")
    struct.pack_into("<HHL", data, end + 8, entries, entries, size)
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("entries, size", [(60000, 100), (3, 64 << 20)])
def test_a_huge_central_directory_is_refused_unread(tmp_path: Path, entries: int, size: int) -> None:
    path = _patch_directory(keras_file(tmp_path / "m.keras"), entries, size)
    assert "a .keras file has a handful" in str(_read_bounded(path))


@pytest.mark.parametrize("offset", [2**63 + 5, 10**12, 5])
def test_a_broken_zip64_record(tmp_path: Path, offset: int) -> None:
    data = bytearray(keras_file(tmp_path / "m.keras").read_bytes())
    end = data.rindex(b"PK\x05\x06")
    struct.pack_into("<HH", data, end + 8, 0xFFFF, 0xFFFF)
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, offset, 1)
    path = tmp_path / "zip64.keras"
    path.write_bytes(bytes(data[:end]) + locator + bytes(data[end:]))
    for source in (path, path.read_bytes()):
        with pytest.raises(SourceError, match="a broken zip64 record"):
            read_saved(source)


def test_many_entries(tmp_path: Path) -> None:
    entries = {f"assets/{i}": b"" for i in range(10_001)}
    path = archive(tmp_path / "m.keras", {**entries, "config.json": json.dumps(config()).encode()},
                   zipfile.ZIP_STORED)
    assert "lists 10002 entries" in str(_read_bounded(path))


def test_an_encrypted_config(tmp_path: Path) -> None:
    path = keras_file(tmp_path / "m.keras")
    data = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.index(signature, data.index(b"config.json") - 60 if signature == b"PK\x03\x04" else 0)
        while data[at + (30 if signature == b"PK\x03\x04" else 46):][:11] != b"config.json":
            at = data.index(signature, at + 4)
        struct.pack_into("<H", data, at + offset, 1)
    path.write_bytes(bytes(data))
    with pytest.raises(SourceError, match="encrypted"):
        read_saved(path)


# Invalid JSON and wrong types --------------------------------------------------------------


@pytest.mark.parametrize("text, message", [
    ("{not json", "config.json is not valid JSON"),
    ("[" * 100_000 + "]" * 100_000, "not valid JSON"),
    ('{"class_name": "Functional", "config": ' + "1" * 5000 + "}", "not valid JSON"),
    (b"\xff\xfe{}", "not UTF-8"),
    ("[1, 2]", "config.json: expected a JSON object, got a list"),
    ('"text"', "expected a JSON object, got a string"),
])
def test_invalid_json(tmp_path: Path, text: Any, message: str) -> None:
    with pytest.raises(SourceError, match=message):
        read_saved(keras_file(tmp_path / "m.keras", text))


def _set(path: str, value: Any) -> Callable[[Dict[str, Any]], None]:
    """A change to the config: ``path`` is dotted, list indices as numbers."""
    def change(data: Dict[str, Any]) -> None:
        *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
        for part in parents:
            data = data[part]
        if value is _DELETE:
            del data[last]
        else:
            data[last] = value
    return change


_DELETE = object()
L = "config.layers"


@pytest.mark.parametrize("change, error, message", [
    (_set("config.layers", {"a": 1}), SourceError, r"\.config\.layers: expected a list of layers"),
    (_set(f"{L}.1.config.units", "four"), SourceError, r"layers\[1\].config.units: expected an integer, got 'four'"),
    (_set(f"{L}.1.config.units", True), SourceError, "expected an integer, got True"),
    (_set(f"{L}.1.config.return_sequences", "yes"), SourceError, "expected true or false"),
    (_set(f"{L}.0.config.batch_shape", [None, "3", 2]), SourceError, "expected a shape"),
    (_set(f"{L}.0.config.batch_shape", [None, -3, 2]), SourceError, "expected a shape"),
    (_set(f"{L}.0.config.batch_shape", _DELETE), SourceError, "the key 'batch_shape' is missing"),
    (_set(f"{L}.1.inbound_nodes.0.args.0.config.keras_history", ["x", -1, 0]), SourceError,
     "keras_history: expected \\[layer name, node index, tensor index\\]"),
    (_set(f"{L}.1.inbound_nodes.0.args.0.config.keras_history", ["nowhere", 0, 0]), SourceError,
     "refers to 'nowhere' call 0, which the file does not define"),
    (_set(f"{L}.1.inbound_nodes.0.args.0.config.keras_history", ["x", 0, 7]), SourceError,
     "'x' has no output 7"),
    (_set(f"{L}.1.inbound_nodes.0.args.0.config.shape", [None, 3, 5]), UnsupportedLayerError,
     r"states \(None, 3, 5\) for output 0 of layer 'x'.*--allow-load"),
    (_set(f"{L}.1.inbound_nodes.0", [["x", 0, 0, {}], "y"]), SourceError, "'y', which is not an inbound tensor"),
    (_set(f"{L}.1.inbound_nodes.0", [["x", 5, 0, {}]]), SourceError, "refers to 'x' call 5"),
    (_set(f"{L}.1.inbound_nodes.0.args.0", tensor("dense", [None, 1])), SourceError,
     "used before it is computed"),
    (_set(f"{L}.2.name", "rnn"), SourceError, "two layers are named 'rnn'"),
    (_set(f"{L}.2.class_name", "Scale"), UnsupportedLayerError,
     r"'dense' \(Scale\).*no layer that reads it records.*--allow-load"),
    (_set(f"{L}.2.module", "my_package.layers"), UnsupportedLayerError, "custom layer.*--allow-load"),
    (_set(f"{L}.1.config.activation", {"module": "builtins", "class_name": "function"}),
     UnsupportedLayerError, "custom activation"),
    (_set("config.output_layers", [["dense", 3, 0]]), SourceError, "names 'dense' call 3"),
    (_set("config.output_layers", "dense"), SourceError, "expected \\[layer name, node index"),
    (_set("config.input_layers", _DELETE), SourceError, "the key 'input_layers' is missing"),
    (_set("class_name", "MyModel"), UnsupportedLayerError, "holds a 'MyModel' model.*subclassed"),
    (_set("module", "my_package.models"), SourceError, "not written by Keras .the model's module is 'my_package"),
    (_set("config", [1]), SourceError, "expected a JSON object, got a list"),
])
def test_wrong_types_and_broken_graphs(tmp_path: Path, change: Callable[[Any], None], error: type,
                                       message: str) -> None:
    data = config()
    change(data)
    with pytest.raises(error, match=message):
        read_saved(keras_file(tmp_path / "m.keras", data))
    with pytest.raises(error, match=message):
        read_config_json(json.dumps(data))


def test_models_nested_too_deep() -> None:
    data = config()
    for depth in range(40):
        outer = config()
        inner = copy.deepcopy(data)
        inner.update(module="keras", class_name="Functional", name=f"m{depth}",
                     inbound_nodes=[{"args": [tensor("x", [None, 3, 2])], "kwargs": {}}])
        inner["module"] = "keras.src.models.functional"
        inner["config"]["name"] = f"m{depth}"
        outer["config"]["layers"][1] = inner
        outer["config"]["layers"][2]["inbound_nodes"][0]["args"][0] = tensor(f"m{depth}", [None, 1])
        data = outer
    with pytest.raises(SourceError, match="nested more than 32 deep|nested too deeply"):
        read_config_json(json.dumps(data))


@pytest.mark.slow  # 300 fuzzed configs
@settings(max_examples=int(os.environ.get("FUZZ_N", "300")))
@given(st.data())
def test_any_mutation_of_a_config_is_a_spec_or_a_clear_error(data: st.DataObject) -> None:
    base = mutated(data, config())
    try:
        spec = read_config_json(json.dumps(base))
    except RnnDiagramError as exc:
        assert str(exc) and "Traceback" not in str(exc)
    else:
        assert isinstance(spec, ModelSpec) and ModelSpec.from_json(spec.to_json()) == spec


def test_file_reading_never_touches_the_working_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = archive(tmp_path / "m.keras", {"../x": b"", "config.json": b"{}"})
    before = os.listdir(tmp_path)
    with pytest.raises(SourceError):
        read_saved(path)
    assert os.listdir(tmp_path) == before


# Archives handed to Keras (--allow-load) -----------------------------------------------------


def custom_config() -> Dict[str, Any]:
    """config() with its last layer a custom class: the reader refuses it, Keras must load it."""
    data = config()
    last = data["config"]["layers"][-1]
    last.update(module="my_package.layers", class_name="Twice", registered_name="mine>Twice")
    return data


def test_a_bomb_handed_to_keras_is_refused_before_keras_unpacks_it(tmp_path: Path) -> None:
    """The weights of a 60 kB file would unpack to 64 MiB: refused before Keras loads."""
    path = archive(tmp_path / "bomb.keras", {"metadata.json": b"{}",
                                             "config.json": json.dumps(custom_config()).encode(),
                                             "model.weights.h5": bytes(64 << 20)})
    assert path.stat().st_size < 200_000
    tracemalloc.start()
    try:
        with pytest.raises(SourceError, match=r"'model.weights.h5' would unpack to 67,108,864 bytes, \d+ "
                                               r"times its packed size.*without --allow-load and --values"):
            read_saved(path, allow_load=True)
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peak < 8 << 20


def test_an_archive_over_the_load_budget_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rnndiagram.read.saved import archive as archive_module

    monkeypatch.setattr(archive_module, "MAX_LOAD_BYTES", 4096)
    path = archive(tmp_path / "big.keras", {"config.json": json.dumps(custom_config()).encode(),
                                            "model.weights.h5": os.urandom(8192)}, zipfile.ZIP_STORED)
    result = CliRunner().invoke(main, ["inspect", str(path), "--allow-load"])
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1
    assert "would unpack to" in result.output and "more than the 4,096 rnndiagram hands to Keras" in result.output


def test_a_file_keras_cannot_load_is_one_short_line(tmp_path: Path) -> None:
    """Keras's message carries the whole model config (kilobytes); the error quotes its point."""
    path = keras_file(tmp_path / "custom.keras", custom_config())
    result = CliRunner().invoke(main, ["inspect", str(path), "--allow-load"])
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1, result.output
    assert "class 'Twice'" in result.output and "path/to/file.py:build" in result.output  # Keras words it two ways
    assert len(result.output) < 400 and "config" not in result.output.lower().replace("config.json", "")


# What each error names: the file once, the part of it that is wrong ------------------------


def _h5(path: Path, value: Any) -> Path:
    import h5py

    with h5py.File(path, "w") as handle:
        handle.attrs["model_config"] = value
    return path


@pytest.mark.parametrize("value, kind", [(5, "int64"), ([1, 2, 3], "ndarray"), (2.5, "float64")])
def test_an_h5_attribute_that_is_not_text_is_named_so_once(tmp_path: Path, value: Any, kind: str) -> None:
    path = _h5(tmp_path / "intattr.h5", value)
    with pytest.raises(SourceError) as error:
        resolve(str(path))
    assert str(error.value) == f"{path}: model_config is not text (it is {kind})"


def test_each_source_names_the_part_of_it_that_is_not_an_object(tmp_path: Path) -> None:
    data = config()
    data["config"] = [1]
    text = json.dumps(data)
    sources = {"model_config": _h5(tmp_path / "m.h5", text), "JSON": tmp_path / "m.json",
               "config.json": keras_file(tmp_path / "m.keras", data)}
    sources["JSON"].write_text(text)
    for what, path in sources.items():
        with pytest.raises(SourceError) as error:
            resolve(str(path))
        assert str(error.value) == f"{path}: {what}.config: expected a JSON object, got a list"


@pytest.mark.parametrize("units", [0, -3])
def test_a_size_keras_refuses_is_invalid_not_a_shape_mismatch(tmp_path: Path, units: int) -> None:
    data = config()
    data["config"]["layers"][1]["config"]["units"] = units
    paths = [keras_file(tmp_path / "m.keras", data), _h5(tmp_path / "m.h5", json.dumps(data)), tmp_path / "m.json"]
    paths[2].write_text(json.dumps(data))
    for path in paths:
        with pytest.raises(SourceError) as error:
            resolve(str(path))
        message = str(error.value)
        assert message.startswith(f"{path}: ") and message.endswith(
            f".config.layers[1].config.units: invalid units {units}; a Keras layer's units is a positive integer")
        assert "allow-load" not in message


def test_a_huge_h5_config_is_refused_before_it_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """HDF5 cannot size a variable-length attribute before reading it; the bytes outside
    the datasets bound it, so a config over the limit costs nothing (limit made small here)."""
    import h5py
    import numpy as np

    import rnndiagram.read.saved.hdf5 as hdf5

    monkeypatch.setattr(hdf5, "MAX_CONFIG_BYTES", 256 * 1024)
    huge = _h5(tmp_path / "huge.h5", json.dumps({**config(), "padding": "x" * 2 * 2**20}))
    tracemalloc.start()
    try:
        with pytest.raises(SourceError) as error:
            resolve(str(huge))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(error.value).startswith(f"{huge} holds ") and "outside its weights" in str(error.value)
    assert peak < 256 * 1024
    weights = tmp_path / "weights.h5"  # large weights, contiguous and chunked, and a small config
    with h5py.File(weights, "w") as handle:
        handle.attrs["model_config"] = json.dumps(config())
        handle["w/kernel"] = np.ones((512, 1024), "float32")
        handle.create_dataset("w/chunked", data=np.ones((512, 1024), "float32"), chunks=(64, 1024))
    assert weights.stat().st_size > 4 * 2**20
    assert [l.id for l in resolve(str(weights)).model.layers] == ["x", "rnn", "dense"]
