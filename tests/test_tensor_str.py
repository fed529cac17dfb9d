"""Exact-match tests for ``autograd_lite._tensor_str`` against strings printed by PyTorch 2.13.

Every expected string below was generated with a real ``torch==2.13.0`` (CPU) build by wrapping
the same NumPy data in a tensor and calling ``repr``; torch is not needed to run these tests.
The ``device='cuda:0'`` cases were built with torch's own ``_tensor_str`` helpers (CPU-only build).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest


def _load_module() -> ModuleType:
    # Load the file directly instead of ``from autograd_lite._tensor_str import tensor_repr``:
    # the package ``__init__`` is developed concurrently and may not import yet, and this
    # module is self-contained (only math + numpy), so it can be tested on its own.
    path = Path(__file__).resolve().parents[1] / "autograd_lite" / "_tensor_str.py"
    spec = importlib.util.spec_from_file_location("autograd_lite_tensor_str", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_ts = _load_module()
tensor_repr = _ts.tensor_repr
tensor_str = _ts.tensor_str

# (id, values, tensor_repr keyword arguments, expected torch repr)
CASES = [
    (
        "scalar_int_mode",
        np.array(3.0, dtype=np.float32),
        dict(dtype_name="float32", is_floating=True, default_dtype=True),
        "tensor(3.)",
    ),
    (
        "scalar_requires_grad",
        np.array(3.0, dtype=np.float32),
        dict(dtype_name="float32", is_floating=True, default_dtype=True, requires_grad_leaf=True),
        "tensor(3., requires_grad=True)",
    ),
    (
        "scalar_grad_fn_pow",
        np.array(9.0, dtype=np.float32),
        dict(
            dtype_name="float32", is_floating=True, default_dtype=True, grad_fn_name="PowBackward0"
        ),
        "tensor(9., grad_fn=<PowBackward0>)",
    ),
    (
        "vector_thirds",
        np.array([2.0, 4.0, 6.0], dtype=np.float32) / np.float32(3.0),
        dict(dtype_name="float32", is_floating=True, default_dtype=True),
        "tensor([0.6667, 1.3333, 2.0000])",
    ),
    (
        "scalar_negative",
        np.array(-7.6613, dtype=np.float32),
        dict(dtype_name="float32", is_floating=True, default_dtype=True),
        "tensor(-7.6613)",
    ),
    (
        "float32_point_one",
        np.array([0.1, 0.2, 0.3], dtype=np.float32),
        dict(dtype_name="float32", is_floating=True, default_dtype=True),
        "tensor([0.1000, 0.2000, 0.3000])",
    ),
    (
        "scalar_int64",
        np.array(5, dtype=np.int64),
        dict(dtype_name="int64", is_floating=False, default_dtype=True),
        "tensor(5)",
    ),
    (
        "vector_int64_neg",
        np.array([-100, 5, 20], dtype=np.int64),
        dict(dtype_name="int64", is_floating=False, default_dtype=True),
        "tensor([-100,    5,   20])",
    ),
    (
        "vector_int32_dtype",
        np.array([1, 2, 3], dtype=np.int32),
        dict(dtype_name="int32", is_floating=False, default_dtype=False),
        "tensor([1, 2, 3], dtype=torch.int32)",
    ),
    (
        "scalar_bool",
        np.array(True),
        dict(dtype_name="bool", is_floating=False, default_dtype=True),
        "tensor(True)",
    ),
    (
        "vector_bool",
        np.array([True, False, True]),
        dict(dtype_name="bool", is_floating=False, default_dtype=True),
        "tensor([ True, False,  True])",
    ),
    (
        "float64_dtype",
        np.array([1.5, 2.0, -3.25], dtype=np.float64),
        dict(dtype_name="float64", is_floating=True, default_dtype=False),
        "tensor([ 1.5000,  2.0000, -3.2500], dtype=torch.float64)",
    ),
    (
        "float64_scalar_dtype",
        np.array(2.0, dtype=np.float64),
        dict(dtype_name="float64", is_floating=True, default_dtype=False),
        "tensor(2., dtype=torch.float64)",
    ),
    (
        "float16_dtype",
        np.array([0.1, 1.0, 65504.0], dtype=np.float16),
        dict(dtype_name="float16", is_floating=True, default_dtype=False),
        "tensor([9.9976e-02, 1.0000e+00, 6.5504e+04], dtype=torch.float16)",
    ),
    (
        "sci_small",
        np.array([1e-5, 2e-5], dtype=np.float32),
        dict(dtype_name="float32", is_floating=True, default_dtype=True),
        "tensor([1.0000e-05, 2.0000e-05])",
    ),
    (
        "sci_large",
        np.array([1e9, 2.5], dtype=np.float32),
        dict(dtype_name="float32", is_floating=True, default_dtype=True),
        "tensor([1.0000e+09, 2.5000e+00])",
    ),
    (
        "sci_ratio",
        np.array([1.0, 2000.5, -3.0], dtype=np.float32),
        dict(dtype_name="float32", is_floating=True, default_dtype=True),
        "tensor([ 1.0000e+00,  2.0005e+03, -3.0000e+00])",
    ),
    (
        "sci_int_mode",
        np.array([1.0, 1e10], dtype=np.float64),
        dict(dtype_name="float64", is_floating=True, default_dtype=False),
        "tensor([1.0000e+00, 1.0000e+10], dtype=torch.float64)",
    ),
    (
        "int_mode_wide",
        np.array([100.0, -2.0, 0.0], dtype=np.float32),
        dict(dtype_name="float32", is_floating=True, default_dtype=True),
        "tensor([100.,  -2.,   0.])",
    ),
    (
        "nan_inf_only",
        np.array([np.nan, np.inf, -np.inf], dtype=np.float32),
        dict(dtype_name="float32", is_floating=True, default_dtype=True),
        "tensor([nan, inf, -inf])",
    ),
    (
        "nan_inf_int_mode",
        np.array([1.0, np.nan, np.inf, -np.inf], dtype=np.float32),
        dict(dtype_name="float32", is_floating=True, default_dtype=True),
        "tensor([1., nan, inf, -inf])",
    ),
    (
        "nan_inf_float",
        np.array([0.5, np.nan, -np.inf, 2.0], dtype=np.float32),
        dict(dtype_name="float32", is_floating=True, default_dtype=True),
        "tensor([0.5000,    nan,   -inf, 2.0000])",
    ),
    (
        "nan_sci",
        np.array([1e-6, np.nan, 1.0], dtype=np.float32),
        dict(dtype_name="float32", is_floating=True, default_dtype=True),
        "tensor([1.0000e-06,        nan, 1.0000e+00])",
    ),
    (
        "scalar_nan",
        np.array(np.nan, dtype=np.float32),
        dict(dtype_name="float32", is_floating=True, default_dtype=True),
        "tensor(nan)",
    ),
    (
        "zeros_and_neg_zero",
        np.array([0.0, -0.0, 0.0], dtype=np.float32),
        dict(dtype_name="float32", is_floating=True, default_dtype=True),
        "tensor([0., -0., 0.])",
    ),
    (
        "neg_zero_with_values",
        np.array([-0.0, 1.5, -2.0], dtype=np.float32),
        dict(dtype_name="float32", is_floating=True, default_dtype=True),
        "tensor([-0.0000,  1.5000, -2.0000])",
    ),
    (
        "matrix_int_mode",
        np.arange(6, dtype=np.float32).reshape(2, 3),
        dict(dtype_name="float32", is_floating=True, default_dtype=True),
        "tensor([[0., 1., 2.],\n        [3., 4., 5.]])",
    ),
    (
        "matrix_negative_align",
        np.array([[-1.5, 2.25], [3.0, -40.125]], dtype=np.float32),
        dict(dtype_name="float32", is_floating=True, default_dtype=True),
        "tensor([[ -1.5000,   2.2500],\n        [  3.0000, -40.1250]])",
    ),
    (
        "tensor_3d",
        np.arange(24, dtype=np.int64).reshape(2, 3, 4) - 12,
        dict(dtype_name="int64", is_floating=False, default_dtype=True),
        "tensor([[[-12, -11, -10,  -9],\n"
        "         [ -8,  -7,  -6,  -5],\n"
        "         [ -4,  -3,  -2,  -1]],\n"
        "\n"
        "        [[  0,   1,   2,   3],\n"
        "         [  4,   5,   6,   7],\n"
        "         [  8,   9,  10,  11]]])",
    ),
    (
        "tensor_4d_float",
        np.linspace(-1, 1, 16, dtype=np.float32).reshape(2, 2, 2, 2),
        dict(dtype_name="float32", is_floating=True, default_dtype=True),
        "tensor([[[[-1.0000, -0.8667],\n"
        "          [-0.7333, -0.6000]],\n"
        "\n"
        "         [[-0.4667, -0.3333],\n"
        "          [-0.2000, -0.0667]]],\n"
        "\n"
        "\n"
        "        [[[ 0.0667,  0.2000],\n"
        "          [ 0.3333,  0.4667]],\n"
        "\n"
        "         [[ 0.6000,  0.7333],\n"
        "          [ 0.8667,  1.0000]]]])",
    ),
    (
        "long_vector_wrap",
        np.linspace(-1, 1, 30, dtype=np.float32),
        dict(dtype_name="float32", is_floating=True, default_dtype=True),
        "tensor([-1.0000, -0.9310, -0.8621, -0.7931, -0.7241, -0.6552, -0.5862, -0.5172,\n"
        "        -0.4483, -0.3793, -0.3103, -0.2414, -0.1724, -0.1034, -0.0345,  0.0345,\n"
        "         0.1034,  0.1724,  0.2414,  0.3103,  0.3793,  0.4483,  0.5172,  0.5862,\n"
        "         0.6552,  0.7241,  0.7931,  0.8621,  0.9310,  1.0000])",
    ),
    (
        "long_int_vector_wrap",
        np.arange(40, dtype=np.int64) * 37,
        dict(dtype_name="int64", is_floating=False, default_dtype=True),
        "tensor([   0,   37,   74,  111,  148,  185,  222,  259,  296,  333,  370,  407,\n"
        "         444,  481,  518,  555,  592,  629,  666,  703,  740,  777,  814,  851,\n"
        "         888,  925,  962,  999, 1036, 1073, 1110, 1147, 1184, 1221, 1258, 1295,\n"
        "        1332, 1369, 1406, 1443])",
    ),
    (
        "wide_matrix_wrap",
        np.sin(np.arange(24, dtype=np.float32)).reshape(2, 12),
        dict(dtype_name="float32", is_floating=True, default_dtype=True),
        "tensor([[ 0.0000,  0.8415,  0.9093,  0.1411, -0.7568, -0.9589, -0.2794,  0.6570,\n"
        "          0.9894,  0.4121, -0.5440, -1.0000],\n"
        "        [-0.5366,  0.4202,  0.9906,  0.6503, -0.2879, -0.9614, -0.7510,  0.1499,\n"
        "          0.9129,  0.8367, -0.0089, -0.8462]])",
    ),
    (
        "summarized_vector",
        np.arange(2000, dtype=np.float32),
        dict(dtype_name="float32", is_floating=True, default_dtype=True),
        "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n"
        "        1.9990e+03])",
    ),
    (
        "summarized_matrix",
        (np.arange(2500, dtype=np.float32) / 7).reshape(50, 50),
        dict(dtype_name="float32", is_floating=True, default_dtype=True),
        "tensor([[0.0000e+00, 1.4286e-01, 2.8571e-01,  ..., 6.7143e+00, 6.8571e+00,\n"
        "         7.0000e+00],\n"
        "        [7.1429e+00, 7.2857e+00, 7.4286e+00,  ..., 1.3857e+01, 1.4000e+01,\n"
        "         1.4143e+01],\n"
        "        [1.4286e+01, 1.4429e+01, 1.4571e+01,  ..., 2.1000e+01, 2.1143e+01,\n"
        "         2.1286e+01],\n"
        "        ...,\n"
        "        [3.3571e+02, 3.3586e+02, 3.3600e+02,  ..., 3.4243e+02, 3.4257e+02,\n"
        "         3.4271e+02],\n"
        "        [3.4286e+02, 3.4300e+02, 3.4314e+02,  ..., 3.4957e+02, 3.4971e+02,\n"
        "         3.4986e+02],\n"
        "        [3.5000e+02, 3.5014e+02, 3.5029e+02,  ..., 3.5671e+02, 3.5686e+02,\n"
        "         3.5700e+02]])",
    ),
    (
        "summarized_3d_int",
        np.arange(1100, dtype=np.int64).reshape(10, 10, 11),
        dict(dtype_name="int64", is_floating=False, default_dtype=True),
        "tensor([[[   0,    1,    2,  ...,    8,    9,   10],\n"
        "         [  11,   12,   13,  ...,   19,   20,   21],\n"
        "         [  22,   23,   24,  ...,   30,   31,   32],\n"
        "         ...,\n"
        "         [  77,   78,   79,  ...,   85,   86,   87],\n"
        "         [  88,   89,   90,  ...,   96,   97,   98],\n"
        "         [  99,  100,  101,  ...,  107,  108,  109]],\n"
        "\n"
        "        [[ 110,  111,  112,  ...,  118,  119,  120],\n"
        "         [ 121,  122,  123,  ...,  129,  130,  131],\n"
        "         [ 132,  133,  134,  ...,  140,  141,  142],\n"
        "         ...,\n"
        "         [ 187,  188,  189,  ...,  195,  196,  197],\n"
        "         [ 198,  199,  200,  ...,  206,  207,  208],\n"
        "         [ 209,  210,  211,  ...,  217,  218,  219]],\n"
        "\n"
        "        [[ 220,  221,  222,  ...,  228,  229,  230],\n"
        "         [ 231,  232,  233,  ...,  239,  240,  241],\n"
        "         [ 242,  243,  244,  ...,  250,  251,  252],\n"
        "         ...,\n"
        "         [ 297,  298,  299,  ...,  305,  306,  307],\n"
        "         [ 308,  309,  310,  ...,  316,  317,  318],\n"
        "         [ 319,  320,  321,  ...,  327,  328,  329]],\n"
        "\n"
        "        ...,\n"
        "\n"
        "        [[ 770,  771,  772,  ...,  778,  779,  780],\n"
        "         [ 781,  782,  783,  ...,  789,  790,  791],\n"
        "         [ 792,  793,  794,  ...,  800,  801,  802],\n"
        "         ...,\n"
        "         [ 847,  848,  849,  ...,  855,  856,  857],\n"
        "         [ 858,  859,  860,  ...,  866,  867,  868],\n"
        "         [ 869,  870,  871,  ...,  877,  878,  879]],\n"
        "\n"
        "        [[ 880,  881,  882,  ...,  888,  889,  890],\n"
        "         [ 891,  892,  893,  ...,  899,  900,  901],\n"
        "         [ 902,  903,  904,  ...,  910,  911,  912],\n"
        "         ...,\n"
        "         [ 957,  958,  959,  ...,  965,  966,  967],\n"
        "         [ 968,  969,  970,  ...,  976,  977,  978],\n"
        "         [ 979,  980,  981,  ...,  987,  988,  989]],\n"
        "\n"
        "        [[ 990,  991,  992,  ...,  998,  999, 1000],\n"
        "         [1001, 1002, 1003,  ..., 1009, 1010, 1011],\n"
        "         [1012, 1013, 1014,  ..., 1020, 1021, 1022],\n"
        "         ...,\n"
        "         [1067, 1068, 1069,  ..., 1075, 1076, 1077],\n"
        "         [1078, 1079, 1080,  ..., 1086, 1087, 1088],\n"
        "         [1089, 1090, 1091,  ..., 1097, 1098, 1099]]])",
    ),
    (
        "summarized_narrow",
        np.arange(1200, dtype=np.float64).reshape(400, 3) / 4,
        dict(dtype_name="float64", is_floating=True, default_dtype=False),
        "tensor([[0.0000e+00, 2.5000e-01, 5.0000e-01],\n"
        "        [7.5000e-01, 1.0000e+00, 1.2500e+00],\n"
        "        [1.5000e+00, 1.7500e+00, 2.0000e+00],\n"
        "        ...,\n"
        "        [2.9775e+02, 2.9800e+02, 2.9825e+02],\n"
        "        [2.9850e+02, 2.9875e+02, 2.9900e+02],\n"
        "        [2.9925e+02, 2.9950e+02, 2.9975e+02]], dtype=torch.float64)",
    ),
    (
        "empty_1d",
        np.zeros((0,), dtype=np.float32),
        dict(dtype_name="float32", is_floating=True, default_dtype=True),
        "tensor([])",
    ),
    (
        "empty_2d",
        np.zeros((0, 3), dtype=np.float32),
        dict(dtype_name="float32", is_floating=True, default_dtype=True),
        "tensor([], size=(0, 3))",
    ),
    (
        "empty_int64",
        np.zeros((0,), dtype=np.int64),
        dict(dtype_name="int64", is_floating=False, default_dtype=True),
        "tensor([], dtype=torch.int64)",
    ),
    (
        "empty_3d_float64_grad",
        np.zeros((2, 0, 4), dtype=np.float64),
        dict(dtype_name="float64", is_floating=True, default_dtype=False, requires_grad_leaf=True),
        "tensor([], size=(2, 0, 4), dtype=torch.float64, requires_grad=True)",
    ),
    (
        "long_grad_fn_wrap",
        np.linspace(0, 1, 30, dtype=np.float32),
        dict(
            dtype_name="float32", is_floating=True, default_dtype=True, grad_fn_name="MulBackward0"
        ),
        "tensor([0.0000, 0.0345, 0.0690, 0.1034, 0.1379, 0.1724, 0.2069, 0.2414, 0.2759,\n"
        "        0.3103, 0.3448, 0.3793, 0.4138, 0.4483, 0.4828, 0.5172, 0.5517, 0.5862,\n"
        "        0.6207, 0.6552, 0.6897, 0.7241, 0.7586, 0.7931, 0.8276, 0.8621, 0.8966,\n"
        "        0.9310, 0.9655, 1.0000], grad_fn=<MulBackward0>)",
    ),
    (
        "suffix_newline",
        np.linspace(0, 1, 9, dtype=np.float32),
        dict(
            dtype_name="float32", is_floating=True, default_dtype=True, grad_fn_name="MulBackward0"
        ),
        "tensor([0.0000, 0.1250, 0.2500, 0.3750, 0.5000, 0.6250, 0.7500, 0.8750, 1.0000],\n"
        "       grad_fn=<MulBackward0>)",
    ),
    (
        "suffix_wraps_dtype",
        np.arange(10, dtype=np.float64) / 3,
        dict(dtype_name="float64", is_floating=True, default_dtype=False, requires_grad_leaf=True),
        "tensor([0.0000, 0.3333, 0.6667, 1.0000, 1.3333, 1.6667, 2.0000, 2.3333, 2.6667,\n"
        "        3.0000], dtype=torch.float64, requires_grad=True)",
    ),
    (
        "matrix_grad_fn",
        np.array([[1.0, 2.0], [3.0, 4.5]], dtype=np.float32),
        dict(
            dtype_name="float32", is_floating=True, default_dtype=True, grad_fn_name="PowBackward0"
        ),
        "tensor([[1.0000, 2.0000],\n        [3.0000, 4.5000]], grad_fn=<PowBackward0>)",
    ),
    (
        "cuda_device",
        np.array([1.0, 2.0], dtype=np.float32),
        dict(dtype_name="float32", is_floating=True, default_dtype=True, device="cuda:0"),
        "tensor([1., 2.], device='cuda:0')",
    ),
    (
        "cuda_device_float64_grad",
        np.array([0.5, 2.0], dtype=np.float64),
        dict(
            dtype_name="float64",
            is_floating=True,
            default_dtype=False,
            device="cuda:0",
            grad_fn_name="MulBackward0",
        ),
        "tensor([0.5000, 2.0000], device='cuda:0', dtype=torch.float64,\n"
        "       grad_fn=<MulBackward0>)",
    ),
]


@pytest.mark.parametrize(
    ("values", "kwargs", "expected"),
    [pytest.param(v, kw, exp, id=name) for name, v, kw, exp in CASES],
)
def test_tensor_repr_matches_torch(values: np.ndarray, kwargs: dict, expected: str) -> None:
    assert tensor_repr(values, **kwargs) == expected


@pytest.mark.parametrize(
    ("values", "is_floating", "expected"),
    [
        (np.arange(6, dtype=np.float32).reshape(2, 3), True, "[[0., 1., 2.],\n [3., 4., 5.]]"),
        (np.array([True, False]), False, "[ True, False]"),
        (np.zeros((0, 2), dtype=np.float32), True, "[]"),
        (np.array(-7.6613, dtype=np.float32), True, "-7.6613"),
    ],
)
def test_tensor_str_body(values: np.ndarray, is_floating: bool, expected: str) -> None:
    assert tensor_str(values, is_floating) == expected
