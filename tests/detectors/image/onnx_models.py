"""Tiny ONNX models written by the tests (with `onnx.helper`): mean
brightness in, a score out, so bright and dark images get known answers."""

from __future__ import annotations

from pathlib import Path

import pytest

onnx = pytest.importorskip("onnx")
helper = onnx.helper
TensorProto = onnx.TensorProto


def brightness_model(
    gain: float = 10.0,
    head: str = "logit",
    classes: int = 1,
    input_shape: tuple[int | str, ...] = ("batch", 3, "height", "width"),
) -> bytes:
    """score = gain * (mean pixel - 0.5), as a logit, or through a sigmoid
    (`head="sigmoid"`); `classes=2` gives [1 - p, p] (needs the sigmoid head)."""
    nodes = [
        helper.make_node("ReduceMean", ["image"], ["mean"], axes=[1, 2, 3], keepdims=1),
        helper.make_node("Sub", ["mean", "half"], ["centred"]),
        helper.make_node("Mul", ["centred", "gain"], ["logit4"]),
        helper.make_node("Reshape", ["logit4", "shape"], ["logit"]),
    ]
    last = "logit"
    if head == "sigmoid":
        nodes.append(helper.make_node("Sigmoid", ["logit"], ["prob"]))
        last = "prob"
    if classes == 2:
        nodes += [
            helper.make_node("Sub", ["one", last], ["other"]),
            helper.make_node("Concat", ["other", last], ["pair"], axis=1),
        ]
        last = "pair"
    nodes.append(helper.make_node("Identity", [last], ["score"]))
    constants = [
        helper.make_tensor("half", TensorProto.FLOAT, [], [0.5]),
        helper.make_tensor("gain", TensorProto.FLOAT, [], [gain]),
        helper.make_tensor("shape", TensorProto.INT64, [2], [-1, 1]),
    ]
    if classes == 2:
        constants.append(helper.make_tensor("one", TensorProto.FLOAT, [], [1.0]))
    graph = helper.make_graph(
        nodes,
        "brightness",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, list(input_shape))],
        [helper.make_tensor_value_info("score", TensorProto.FLOAT, ["batch", classes])],
        initializer=constants,
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="vigil-tests"
    )
    model.ir_version = 8
    onnx.checker.check_model(model)
    return bytes(model.SerializeToString())


def write_model(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
