"""Writes small feed-forward ONNX models without the `onnx` package, which PAM does not depend on.

The classes below are built at import time from the few ONNX protobuf messages PAM needs, with the
field numbers of the official ``onnx.proto`` (IR 8). protobuf is already installed as a dependency
of onnxruntime, and onnxruntime loads the result like any other ONNX file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

IR_VERSION = 8
OPSET = 13
FLOAT = 1  # TensorProto.DataType.FLOAT

_F = descriptor_pb2.FieldDescriptorProto
# message name -> [(field name, number, type, label, message type name or "")]
_SCHEMA: dict[str, list[tuple[str, int, int, int, str]]] = {
    "StringStringEntryProto": [
        ("key", 1, _F.TYPE_STRING, _F.LABEL_OPTIONAL, ""),
        ("value", 2, _F.TYPE_STRING, _F.LABEL_OPTIONAL, ""),
    ],
    "OperatorSetIdProto": [
        ("domain", 1, _F.TYPE_STRING, _F.LABEL_OPTIONAL, ""),
        ("version", 2, _F.TYPE_INT64, _F.LABEL_OPTIONAL, ""),
    ],
    "TensorProto": [
        ("dims", 1, _F.TYPE_INT64, _F.LABEL_REPEATED, ""),
        ("data_type", 2, _F.TYPE_INT32, _F.LABEL_OPTIONAL, ""),
        ("name", 8, _F.TYPE_STRING, _F.LABEL_OPTIONAL, ""),
        ("raw_data", 9, _F.TYPE_BYTES, _F.LABEL_OPTIONAL, ""),
    ],
    "Dimension": [
        ("dim_value", 1, _F.TYPE_INT64, _F.LABEL_OPTIONAL, ""),
        ("dim_param", 2, _F.TYPE_STRING, _F.LABEL_OPTIONAL, ""),
    ],
    "TensorShapeProto": [("dim", 1, _F.TYPE_MESSAGE, _F.LABEL_REPEATED, "Dimension")],
    "TensorTypeProto": [
        ("elem_type", 1, _F.TYPE_INT32, _F.LABEL_OPTIONAL, ""),
        ("shape", 2, _F.TYPE_MESSAGE, _F.LABEL_OPTIONAL, "TensorShapeProto"),
    ],
    "TypeProto": [("tensor_type", 1, _F.TYPE_MESSAGE, _F.LABEL_OPTIONAL, "TensorTypeProto")],
    "ValueInfoProto": [
        ("name", 1, _F.TYPE_STRING, _F.LABEL_OPTIONAL, ""),
        ("type", 2, _F.TYPE_MESSAGE, _F.LABEL_OPTIONAL, "TypeProto"),
    ],
    "AttributeProto": [
        ("name", 1, _F.TYPE_STRING, _F.LABEL_OPTIONAL, ""),
        ("f", 2, _F.TYPE_FLOAT, _F.LABEL_OPTIONAL, ""),
        ("i", 3, _F.TYPE_INT64, _F.LABEL_OPTIONAL, ""),
        ("type", 20, _F.TYPE_INT32, _F.LABEL_OPTIONAL, ""),
    ],
    "NodeProto": [
        ("input", 1, _F.TYPE_STRING, _F.LABEL_REPEATED, ""),
        ("output", 2, _F.TYPE_STRING, _F.LABEL_REPEATED, ""),
        ("name", 3, _F.TYPE_STRING, _F.LABEL_OPTIONAL, ""),
        ("op_type", 4, _F.TYPE_STRING, _F.LABEL_OPTIONAL, ""),
        ("attribute", 5, _F.TYPE_MESSAGE, _F.LABEL_REPEATED, "AttributeProto"),
    ],
    "GraphProto": [
        ("node", 1, _F.TYPE_MESSAGE, _F.LABEL_REPEATED, "NodeProto"),
        ("name", 2, _F.TYPE_STRING, _F.LABEL_OPTIONAL, ""),
        ("initializer", 5, _F.TYPE_MESSAGE, _F.LABEL_REPEATED, "TensorProto"),
        ("input", 11, _F.TYPE_MESSAGE, _F.LABEL_REPEATED, "ValueInfoProto"),
        ("output", 12, _F.TYPE_MESSAGE, _F.LABEL_REPEATED, "ValueInfoProto"),
    ],
    "ModelProto": [
        ("ir_version", 1, _F.TYPE_INT64, _F.LABEL_OPTIONAL, ""),
        ("producer_name", 2, _F.TYPE_STRING, _F.LABEL_OPTIONAL, ""),
        ("producer_version", 3, _F.TYPE_STRING, _F.LABEL_OPTIONAL, ""),
        ("doc_string", 6, _F.TYPE_STRING, _F.LABEL_OPTIONAL, ""),
        ("graph", 7, _F.TYPE_MESSAGE, _F.LABEL_OPTIONAL, "GraphProto"),
        ("opset_import", 8, _F.TYPE_MESSAGE, _F.LABEL_REPEATED, "OperatorSetIdProto"),
        ("metadata_props", 14, _F.TYPE_MESSAGE, _F.LABEL_REPEATED, "StringStringEntryProto"),
    ],
}
ATTR_FLOAT, ATTR_INT = 1, 2  # AttributeProto.AttributeType


def _build_classes() -> dict[str, Any]:
    # a private package name, so these classes never clash with a real `onnx` install in the same process
    package = "pam_onnx_subset"
    file = descriptor_pb2.FileDescriptorProto(name="pam_onnx_subset.proto", package=package, syntax="proto2")
    for name, fields in _SCHEMA.items():
        msg = file.message_type.add(name=name)
        for fname, number, ftype, label, type_name in fields:
            field = msg.field.add(name=fname, number=number, type=ftype, label=label)
            if type_name:
                field.type_name = f".{package}.{type_name}"
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    return {name: message_factory.GetMessageClass(pool.FindMessageTypeByName(f"{package}.{name}")) for name in _SCHEMA}


_PB = _build_classes()


@dataclass(frozen=True)
class Node:
    op: str
    inputs: tuple[str, ...]
    output: str
    attributes: Mapping[str, float | int] | None = None


def _tensor(name: str, value: npt.NDArray[np.float32]) -> Any:
    arr = np.ascontiguousarray(value, dtype="<f4")
    return _PB["TensorProto"](name=name, dims=list(arr.shape), data_type=FLOAT, raw_data=arr.tobytes())


def _value_info(name: str, shape: Sequence[int | str]) -> Any:
    dims = [_PB["Dimension"](dim_param=d) if isinstance(d, str) else _PB["Dimension"](dim_value=d) for d in shape]
    tensor_type = _PB["TensorTypeProto"](elem_type=FLOAT, shape=_PB["TensorShapeProto"](dim=dims))
    return _PB["ValueInfoProto"](name=name, type=_PB["TypeProto"](tensor_type=tensor_type))


def _node(index: int, node: Node) -> Any:
    attrs = []
    for key, value in (node.attributes or {}).items():
        if isinstance(value, int):
            attrs.append(_PB["AttributeProto"](name=key, i=value, type=ATTR_INT))
        else:
            attrs.append(_PB["AttributeProto"](name=key, f=value, type=ATTR_FLOAT))
    return _PB["NodeProto"](
        input=list(node.inputs), output=[node.output], name=f"{node.op.lower()}_{index}", op_type=node.op,
        attribute=attrs,
    )  # fmt: skip


def model_bytes(
    nodes: Sequence[Node],
    weights: Mapping[str, npt.NDArray[np.float32]],
    inputs: Mapping[str, Sequence[int | str]],
    outputs: Mapping[str, Sequence[int | str]],
    metadata: Mapping[str, str] | None = None,
    name: str = "model",
) -> bytes:
    """A serialized float32 ONNX model: ``nodes`` in order, ``weights`` as initializers."""
    graph = _PB["GraphProto"](
        name=name,
        node=[_node(i, n) for i, n in enumerate(nodes)],
        initializer=[_tensor(k, v) for k, v in weights.items()],
        input=[_value_info(k, s) for k, s in inputs.items()],
        output=[_value_info(k, s) for k, s in outputs.items()],
    )
    model = _PB["ModelProto"](
        ir_version=IR_VERSION,
        producer_name="pam",
        graph=graph,
        opset_import=[_PB["OperatorSetIdProto"](domain="", version=OPSET)],
        metadata_props=[_PB["StringStringEntryProto"](key=k, value=v) for k, v in (metadata or {}).items()],
    )
    data: bytes = model.SerializeToString()
    return data
