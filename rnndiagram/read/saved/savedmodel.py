"""Stage 0 for saved files: the Keras 2 model config in a SavedModel folder.

tf.keras (Keras 2) writes ``keras_metadata.pb`` beside ``saved_model.pb``: a small
protocol buffer (``SavedMetadata``) with one JSON text per saved object, whose root
holds the model's config. It is parsed with the ``protobuf`` package from a descriptor
built here, so neither TensorFlow nor Keras is imported, and the traced graphs in
``saved_model.pb`` are never read.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from ...errors import MissingDependencyError, SourceError
from .archive import MAX_CONFIG_BYTES

METADATA = "keras_metadata.pb"
MAX_METADATA_BYTES = 4 * MAX_CONFIG_BYTES
"""The largest ``keras_metadata.pb`` read: it holds every layer's config twice or more."""


def is_savedmodel(path: Path) -> bool:
    """Whether ``path`` is a SavedModel folder (TensorFlow's ``saved_model.pb`` or Keras's metadata)."""
    return path.is_dir() and ((path / "saved_model.pb").is_file() or (path / METADATA).is_file())


def savedmodel_config(folder: Path, where: str) -> Any:
    """The parsed model config (``{"class_name", "config"}``) that Keras 2 stored in the folder."""
    path = folder / METADATA
    if not path.is_file():
        raise SourceError(f"{where} is a SavedModel without {METADATA}, so Keras did not write it "
                          f"(tf.saved_model.save keeps no layers); save the model with model.save('m.h5')")
    size = path.stat().st_size
    if size > MAX_METADATA_BYTES:
        raise SourceError(f"{where}: {METADATA} is {size:,} bytes, larger than any model's, so it is not read")
    parse = _metadata_class()
    from google.protobuf.message import DecodeError

    try:
        message = parse.FromString(path.read_bytes())
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (DecodeError, ValueError) as exc:
        raise SourceError(f"{where}: {METADATA} is not a Keras metadata file ({str(exc)[:80]})") from None
    roots = [node for node in message.nodes if node.node_path == "root"]
    if not roots:
        raise SourceError(f"{where}: {METADATA} has no root object, so it holds no model")
    return _root_config(roots[0].metadata, where)


def _root_config(text: str, where: str) -> Any:
    try:
        root = json.loads(text)
    except (ValueError, RecursionError):
        raise SourceError(f"{where}: the model's metadata in {METADATA} is not valid JSON") from None
    if not isinstance(root, dict):
        raise SourceError(f"{where}: the model's metadata in {METADATA} is not a JSON object")
    config = root.get("model_config")
    if isinstance(config, dict):
        return config
    if "config" in root:
        return {"class_name": root.get("class_name"), "config": root["config"]}
    raise SourceError(f"{where}: {METADATA} stores no model config (a subclassed model keeps none); "
                      f"build the model as keras.Model(inputs, outputs) or Sequential")


@functools.lru_cache(maxsize=1)
def _metadata_class() -> Any:
    """The ``SavedMetadata`` message class, from the fields of Keras's ``saved_metadata.proto``
    this reader needs (``nodes``: ``node_id`` 2, ``node_path`` 3, ``identifier`` 4, ``metadata`` 5)."""
    try:
        from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
    except ImportError:
        raise MissingDependencyError("reading a SavedModel folder needs protobuf: pip install protobuf") from None
    proto = descriptor_pb2.FileDescriptorProto(name="rnndiagram_saved_metadata.proto",
                                               package="rnndiagram", syntax="proto3")
    item = proto.message_type.add(name="SavedObject")
    text, int32, optional = descriptor_pb2.FieldDescriptorProto.TYPE_STRING, \
        descriptor_pb2.FieldDescriptorProto.TYPE_INT32, descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL
    item.field.add(name="node_id", number=2, label=optional, type=int32)
    for name, number in (("node_path", 3), ("identifier", 4), ("metadata", 5)):
        item.field.add(name=name, number=number, label=optional, type=text)
    metadata = proto.message_type.add(name="SavedMetadata")
    metadata.field.add(name="nodes", number=1, label=descriptor_pb2.FieldDescriptorProto.LABEL_REPEATED,
                       type=descriptor_pb2.FieldDescriptorProto.TYPE_MESSAGE,
                       type_name=".rnndiagram.SavedObject")
    pool = descriptor_pool.DescriptorPool()
    pool.Add(proto)
    descriptor = pool.FindMessageTypeByName("rnndiagram.SavedMetadata")
    if hasattr(message_factory, "GetMessageClass"):
        return message_factory.GetMessageClass(descriptor)
    return message_factory.MessageFactory(pool).GetPrototype(descriptor)  # protobuf before 4.22
