"""More tensor ops (ops/math_more.py, ops/order.py) against PyTorch 2.13: values, result dtypes,
grad_fn names, first derivatives and error messages as literals computed with torch (this file
does not import it); gradcheck / gradgradcheck in float64 on several shapes (broadcasting for the
binary ops); forward-mode tangents against finite differences."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import autograd_lite as al
import autograd_lite.autograd.forward_ad as fwAD
from autograd_lite.autograd import gradcheck, gradgradcheck

NAN, INF = math.nan, math.inf
DT = {"f": al.float32, "d": al.float64, "i": al.int64, "b": al.bool}

# (id, f(m, *inputs), inputs, their dtype: f float32 / d float64 (requiring grad), i int64, b bool,
#  torch's output values, its dtype, its grad_fn name, and the gradients of sum(out * w), where
#  w = 1, 2, 3... in the output's shape)
VALUES = [
    ('log2',
     lambda m, x: m.log2(x),
     [[0.5, 2.0, 10.0, 3.0]], 'f',
     [-1.0, 1.0, 3.32192802, 1.58496249],
     'float32', 'Log2Backward0',
     [[2.88539004, 1.44269502, 0.432808518, 1.9235934]]),
    ('log10',
     lambda m, x: m.log10(x),
     [[0.5, 2.0, 10.0, 3.0]], 'f',
     [-0.30103001, 0.30103001, 1.0, 0.477121264],
     'float32', 'Log10Backward0',
     [[0.868588924, 0.434294462, 0.130288333, 0.579059303]]),
    ('exp2',
     lambda m, x: m.exp2(x),
     [[-1.5, 0.0, 0.5, 3.0]], 'f',
     [0.353553385, 1.0, 1.41421354, 8.0],
     'float32', 'Exp2Backward0',
     [[0.245064527, 1.38629436, 2.9407742, 22.1807098]]),
    ('asin',
     lambda m, x: m.asin(x),
     [[-0.9, -0.3, 0.2, 0.7]], 'f',
     [-1.11976945, -0.304692656, 0.201357931, 0.77539748],
     'float32', 'AsinBackward0',
     [[2.29415703, 2.09656978, 3.06186199, 5.60112]]),
    ('acos',
     lambda m, x: m.acos(x),
     [[-0.9, -0.3, 0.2, 0.7]], 'f',
     [2.69056582, 1.875489, 1.36943841, 0.795398831],
     'float32', 'AcosBackward0',
     [[-2.29415703, -2.09656978, -3.06186199, -5.60112]]),
    ('atan',
     lambda m, x: m.atan(x),
     [[-2.0, -0.3, 0.2, 5.0]], 'f',
     [-1.10714877, -0.291456819, 0.197395563, 1.37340081],
     'float32', 'AtanBackward0',
     [[0.200000003, 1.83486235, 2.88461542, 0.15384616]]),
    ('sinh',
     lambda m, x: m.sinh(x),
     [[-2.0, -0.3, 0.2, 1.5]], 'f',
     [-3.62686038, -0.304520309, 0.201336011, 2.12927938],
     'float32', 'SinhBackward0',
     [[3.76219583, 2.09067702, 3.06020021, 9.4096384]]),
    ('cosh',
     lambda m, x: m.cosh(x),
     [[-2.0, -0.3, 0.2, 1.5]], 'f',
     [3.76219583, 1.04533851, 1.02006674, 2.3524096],
     'float32', 'CoshBackward0',
     [[-3.62686038, -0.609040618, 0.604008019, 8.5171175]]),
    ('asinh',
     lambda m, x: m.asinh(x),
     [[-2.0, -0.3, 0.2, 5.0]], 'f',
     [-1.44363546, -0.295673072, 0.198690102, 2.31243825],
     'float32', 'AsinhBackward0',
     [[0.44721359, 1.91565251, 2.94174194, 0.784464538]]),
    ('acosh',
     lambda m, x: m.acosh(x),
     [[1.2, 2.0, 3.5, 10.0]], 'f',
     [0.622362614, 1.31695795, 1.92484736, 2.99322295],
     'float32', 'AcoshBackward0',
     [[1.50755656, 1.15470052, 0.89442718, 0.40201515]]),
    ('atanh',
     lambda m, x: m.atanh(x),
     [[-0.9, -0.3, 0.2, 0.7]], 'f',
     [-1.47221935, -0.309519619, 0.202732548, 0.86730051],
     'float32', 'AtanhBackward0',
     [[5.26315641, 2.19780231, 3.125, 7.84313726]]),
    ('trunc',
     lambda m, x: m.trunc(x),
     [[-2.7, -0.3, 0.2, 1.5]], 'f',
     [-2.0, -0.0, 0.0, 1.0],
     'float32', 'TruncBackward0',
     [[0.0, 0.0, 0.0, 0.0]]),
    ('frac',
     lambda m, x: m.frac(x),
     [[-2.7, -0.3, 0.2, 1.5]], 'f',
     [-0.700000048, -0.300000012, 0.200000003, 0.5],
     'float32', 'FracBackward0',
     [[1.0, 2.0, 3.0, 4.0]]),
    ('arcsin_method',
     lambda m, x: x.arcsin() + x.arctan() + x.arccos(),
     [[-0.5, 0.25]], 'f',
     [1.10714877, 1.81577492],
     'float32', 'AddBackward0',
     [[0.800000012, 1.88235295]]),
    ('log2_int',
     lambda m, x: m.log2(x),
     [[1, 2, 8]], 'i',
     [0.0, 1.0, 3.0],
     'float32', None,
     None),
    ('exp2_int',
     lambda m, x: m.exp2(x),
     [[1, 2, 3]], 'i',
     [2.0, 4.0, 8.0],
     'float32', None,
     None),
    ('atanh_bool',
     lambda m, x: m.atan(x),
     [[True, False]], 'b',
     [0.785398185, 0.0],
     'float32', None,
     None),
    ('sinh_f64',
     lambda m, x: m.sinh(x),
     [[0.5, -1.0]], 'd',
     [0.5210953054937474, -1.1752011936438014],
     'float64', 'SinhBackward0',
     [[1.1276259652063807, 3.0861612696304874]]),
    ('trunc_int',
     lambda m, x: m.trunc(x),
     [[-3, 4]], 'i',
     [-3, 4],
     'int64', None,
     None),
    ('atan2',
     lambda m, y, x: m.atan2(y, x),
     [[1.0, -1.0, -2.0, 0.5], [2.0, 1.5, -1.0, -3.0]], 'f',
     [0.463647604, -0.588002622, -2.03444386, 2.97644401],
     'float32', 'Atan2Backward0',
     [[0.400000006, 0.923076987, -0.600000024, -1.29729736],
      [-0.200000003, 0.615384638, 1.20000005, -0.216216221]]),
    ('atan2_bcast',
     lambda m, y, x: m.atan2(y, x),
     [[[1.0], [-2.0]], [0.5, -1.0, 3.0]], 'f',
     [[1.10714877, 2.3561945, 0.321750551], [-1.3258177, -2.03444386, -0.588002622]],
     'float32', 'Atan2Backward0',
     [[[0.300000012], [0.855203629]], [1.08235288, 1.0, 0.623076975]]),
    ('arctan2',
     lambda m, y, x: m.arctan2(y, x) + y.arctan2(x),
     [[1.0, -1.0], [2.0, 1.5]], 'f',
     [0.927295208, -1.17600524],
     'float32', 'AddBackward0',
     [[0.800000012, 1.84615397], [-0.400000006, 1.23076928]]),
    ('atan2_int',
     lambda m, y, x: m.atan2(y, x),
     [[1, -1], [2, 3]], 'i',
     [0.463647604, -0.321750551],
     'float32', None,
     None),
    ('hypot',
     lambda m, a, b: m.hypot(a, b),
     [[3.0, -1.0, 0.5], [4.0, 2.0, -1.5]], 'f',
     [5.0, 2.23606801, 1.58113885],
     'float32', 'HypotBackward0',
     [[0.600000024, -0.89442718, 0.948683262], [0.800000012, 1.78885436, -2.84604979]]),
    ('hypot_bcast',
     lambda m, a, b: m.hypot(a, b),
     [[[3.0], [-1.0]], [4.0, 2.0, -1.5]], 'f',
     [[5.0, 3.60555124, 3.3541019], [4.12310553, 2.23606801, 1.80277562]],
     'float32', 'HypotBackward0',
     [[[4.94738197], [-6.53441191]], [4.68057013, 5.58153629, -6.33394289]]),
    ('logaddexp',
     lambda m, a, b: m.logaddexp(a, b),
     [[3.0, -1.0, 100.0], [4.0, 2.0, -100.0]], 'f',
     [4.31326151, 2.04858732, 100.0],
     'float32', 'LogaddexpBackward0',
     [[0.268941432, 0.0948517472, 3.0], [0.731058598, 1.90514827, 0.0]]),
    ('logaddexp_bcast',
     lambda m, a, b: a.logaddexp(b),
     [[[3.0], [-1.0]], [4.0, 2.0, -1.5]], 'f',
     [[4.31326151, 3.31326175, 3.01104784], [4.0067153, 2.04858732, -0.525923014]],
     'float32', 'LogaddexpBackward0',
     [[[4.69809771], [3.99865675]], [4.70428753, 5.30075359, 2.2982049]]),
    ('lerp',
     lambda m, a, b: m.lerp(a, b, 0.3),
     [[0.5, 2.0, -1.0], [0.3, -1.0, 4.0]], 'f',
     [0.439999998, 1.0999999, 0.50000006],
     'float32', 'LerpBackward0',
     [[0.699999988, 1.39999998, 2.0999999], [0.300000012, 0.600000024, 0.900000036]]),
    ('lerp_hi',
     lambda m, a, b: a.lerp(b, 0.75),
     [[0.5, 2.0, -1.0], [0.3, -1.0, 4.0]], 'f',
     [0.350000024, -0.25, 2.75],
     'float32', 'LerpBackward0',
     [[0.25, 0.5, 0.75], [0.75, 1.5, 2.25]]),
    ('lerp_tensor',
     lambda m, a, b, w: m.lerp(a, b, w),
     [[0.5, 2.0, -1.0], [0.3, -1.0, 4.0], [0.2, 0.9, -0.5]], 'f',
     [0.460000008, -0.699999928, -3.5],
     'float32', 'LerpBackward1',
     [[0.800000012, 0.200000048, 4.5], [0.200000003, 1.79999995, -1.5],
      [-0.199999988, -6.0, 15.0]]),
    ('lerp_bcast',
     lambda m, a, b, w: m.lerp(a, b, w),
     [[[0.5], [2.0]], [0.3, -1.0, 4.0], [[0.2], [0.7]]], 'f',
     [[0.460000008, 0.199999988, 1.20000005], [0.810000062, -0.0999999642, 3.4000001]],
     'float32', 'LerpBackward1',
     [[[4.80000019], [4.5]], [3.0, 3.9000001, 4.79999971], [[7.30000019], [-9.79999924]]]),
    ('addcmul',
     lambda m, a, b, c: m.addcmul(a, b, c, value=0.5),
     [[0.5, 2.0, -1.0], [0.3, -1.0, 4.0], [2.0, 3.0, -0.5]], 'f',
     [0.800000012, 0.5, -2.0],
     'float32', 'AddcmulBackward0',
     [[1.0, 2.0, 3.0], [1.0, 3.0, -0.75], [0.150000006, -1.0, 6.0]]),
    ('addcmul_bcast',
     lambda m, a, b, c: a.addcmul(b, c),
     [[0.5, 2.0, -1.0], [[0.3], [-1.0]], [2.0, 3.0, -0.5]], 'f',
     [[1.10000002, 2.9000001, -1.14999998], [-1.5, -1.0, -0.5]],
     'float32', 'AddcmulBackward0',
     [[5.0, 7.0, 9.0], [[6.5], [20.0]], [-3.70000005, -4.4000001, -5.0999999]]),
    ('addcdiv',
     lambda m, a, b, c: m.addcdiv(a, b, c, value=-2),
     [[0.5, 2.0, -1.0], [0.3, -1.0, 4.0], [2.0, 3.0, -0.5]], 'f',
     [0.199999988, 2.66666675, 15.0],
     'float32', 'AddcdivBackward0',
     [[1.0, 2.0, 3.0], [-1.0, -1.33333337, 12.0], [0.150000006, -0.444444448, 96.0]]),
    ('addcdiv_bcast',
     lambda m, a, b, c: a.addcdiv(b, c),
     [[[0.5], [2.0]], [0.3, -1.0, 4.0], [2.0, 3.0, -0.5]], 'f',
     [[0.649999976, 0.166666657, -7.5], [2.1500001, 1.66666663, -6.0]],
     'float32', 'AddcdivBackward0',
     [[[6.0], [15.0]], [2.5, 2.33333349, -18.0], [-0.375, 0.777777791, -144.0]]),
    ('addcmul_int',
     lambda m, a, b, c: m.addcmul(a, b, c, value=2),
     [[1, 2], [3, 4], [5, 6]], 'i',
     [31, 50],
     'int64', None,
     None),
    ('lerp_0d_weight_promotes',
     lambda m, a, b: m.lerp(a, b, m.tensor(0.25, dtype=m.float64)),
     [[0.5, 2.0], [1.0, -1.0]], 'f',
     [0.625, 1.25],
     'float32', 'LerpBackward1',
     [[0.75, 1.5], [0.25, 0.5]]),
    ('lerp_int_0d_float_weight',
     lambda m, a, b: m.lerp(a.long(), b.long(), m.tensor(0.25)),
     [[1.0, 2.0], [3.0, -1.0]], 'f',
     [1.5, 1.25],
     'float32', None,
     None),
    ('addcdiv_promotion',
     lambda m, a, b: m.addcdiv(a.long(), b.long(), b * b + 1, value=0.5),
     [[0.5, 2.0], [3.0, -1.0]], 'f',
     [0.150000006, 1.75],
     'float32', 'AddcdivBackward0',
     [None, [-0.0899999961, -0.5]]),
    ('addcmul_promotion',
     lambda m, a, b: m.addcmul(a.long(), b, m.tensor(2.0, dtype=m.float64)),
     [[1.0, 2.0], [3.0, -1.0]], 'f',
     [7.0, 0.0],
     'float32', 'AddcmulBackward0',
     [None, [2.0, 4.0]]),
    ('nan_to_num',
     lambda m, x: m.nan_to_num(x),
     [[NAN, INF, -INF, 1.5]], 'f',
     [0.0, 3.40282347e+38, -3.40282347e+38, 1.5],
     'float32', 'NanToNumBackward0',
     [[0.0, 0.0, 0.0, 4.0]]),
    ('nan_to_num_args',
     lambda m, x: x.nan_to_num(nan=1.5, posinf=2.0, neginf=-3.0),
     [[NAN, INF, -INF, 1.5]], 'f',
     [1.5, 2.0, -3.0, 1.5],
     'float32', 'NanToNumBackward0',
     [[0.0, 0.0, 0.0, 4.0]]),
    ('nan_to_num_f64',
     lambda m, x: m.nan_to_num(x, posinf=7.0),
     [[NAN, INF, -INF, 1.5]], 'd',
     [0.0, 7.0, -1.7976931348623157e+308, 1.5],
     'float64', 'NanToNumBackward0',
     [[0.0, 0.0, 0.0, 4.0]]),
    ('nan_to_num_int',
     lambda m, x: m.nan_to_num(x),
     [[1, 2]], 'i',
     [1, 2],
     'int64', None,
     None),
    ('sort',
     lambda m, x: m.sort(x).values,
     [[[3.0, 1.0, 2.0], [0.5, 5.0, 4.0]]], 'f',
     [[1.0, 2.0, 3.0], [0.5, 4.0, 5.0]],
     'float32', 'SortBackward0',
     [[[3.0, 1.0, 2.0], [4.0, 6.0, 5.0]]]),
    ('sort_indices',
     lambda m, x: m.sort(x).indices,
     [[[3.0, 1.0, 2.0], [0.5, 5.0, 4.0]]], 'f',
     [[1, 2, 0], [0, 2, 1]],
     'int64', None,
     None),
    ('sort_desc_dim0',
     lambda m, x: m.sort(x, 0, descending=True)[0],
     [[[3.0, 1.0, 2.0], [0.5, 5.0, 4.0]]], 'f',
     [[3.0, 5.0, 4.0], [0.5, 1.0, 2.0]],
     'float32', 'SortBackward0',
     [[[1.0, 5.0, 6.0], [4.0, 2.0, 3.0]]]),
    ('sort_desc_dim0_idx',
     lambda m, x: m.sort(x, 0, descending=True)[1],
     [[[3.0, 1.0, 2.0], [0.5, 5.0, 4.0]]], 'f',
     [[0, 1, 1], [1, 0, 0]],
     'int64', None,
     None),
    ('sort_stable',
     lambda m, x: x.sort(dim=-1, descending=True, stable=True).values,
     [[3.0, 1.0, 2.0, 7.0]], 'f',
     [7.0, 3.0, 2.0, 1.0],
     'float32', 'SortBackward1',
     [[2.0, 4.0, 3.0, 1.0]]),
    ('sort_ties_stable',
     lambda m, x: m.sort(x, stable=True).indices,
     [[2, 1, 2, 1, 0]], 'i',
     [4, 1, 3, 0, 2],
     'int64', None,
     None),
    ('sort_ties_stable_desc',
     lambda m, x: m.sort(x, descending=True, stable=True).indices,
     [[2, 1, 2, 1, 0]], 'i',
     [0, 2, 1, 3, 4],
     'int64', None,
     None),
    ('sort_int',
     lambda m, x: m.sort(x).values,
     [[3, -1, 2]], 'i',
     [-1, 2, 3],
     'int64', None,
     None),
    ('sort_nan',
     lambda m, x: m.sort(x).values,
     [[3.0, NAN, -1.0]], 'f',
     [-1.0, 3.0, NAN],
     'float32', 'SortBackward0',
     [[2.0, 3.0, 1.0]]),
    ('argsort',
     lambda m, x: m.argsort(x),
     [[[3.0, 1.0, 2.0], [0.5, 5.0, 4.0]]], 'f',
     [[1, 2, 0], [0, 2, 1]],
     'int64', None,
     None),
    ('argsort_desc',
     lambda m, x: x.argsort(dim=0, descending=True),
     [[[3.0, 1.0, 2.0], [0.5, 5.0, 4.0]]], 'f',
     [[0, 1, 1], [1, 0, 0]],
     'int64', None,
     None),
    ('topk',
     lambda m, x: m.topk(x, 2).values,
     [[[3.0, 1.0, 2.0], [0.5, 5.0, 4.0]]], 'f',
     [[3.0, 2.0], [5.0, 4.0]],
     'float32', 'TopkBackward0',
     [[[1.0, 0.0, 2.0], [0.0, 3.0, 4.0]]]),
    ('topk_indices',
     lambda m, x: m.topk(x, 2).indices,
     [[[3.0, 1.0, 2.0], [0.5, 5.0, 4.0]]], 'f',
     [[0, 2], [1, 2]],
     'int64', None,
     None),
    ('topk_smallest',
     lambda m, x: x.topk(1, dim=0, largest=False)[0],
     [[[3.0, 1.0, 2.0], [0.5, 5.0, 4.0]]], 'f',
     [[0.5, 1.0, 2.0]],
     'float32', 'TopkBackward0',
     [[[0.0, 2.0, 3.0], [1.0, 0.0, 0.0]]]),
    ('topk_smallest_idx',
     lambda m, x: x.topk(1, dim=0, largest=False)[1],
     [[[3.0, 1.0, 2.0], [0.5, 5.0, 4.0]]], 'f',
     [[1, 0, 0]],
     'int64', None,
     None),
    ('topk_int',
     lambda m, x: m.topk(x, 2).values,
     [[3, -1, 2]], 'i',
     [3, 2],
     'int64', None,
     None),
    ('cumprod',
     lambda m, x: m.cumprod(x, 1),
     [[[3.0, 1.5, 2.0], [0.5, -2.0, 4.0]]], 'f',
     [[3.0, 4.5, 9.0], [0.5, -1.0, -4.0]],
     'float32', 'CumprodBackward0',
     [[[13.0, 24.0, 13.5], [-54.0, 14.5, -6.0]]]),
    ('cumprod_zero',
     lambda m, x: m.cumprod(x, 0),
     [[2.0, 0.0, 3.0, 4.0]], 'f',
     [2.0, 0.0, 0.0, 0.0],
     'float32', 'CumprodBackward0',
     [[1.0, 118.0, 0.0, 0.0]]),
    ('cumprod_two_zeros',
     lambda m, x: x.cumprod(dim=-1),
     [[2.0, 0.0, 3.0, 0.0, 5.0]], 'f',
     [2.0, 0.0, 0.0, 0.0, 0.0],
     'float32', 'CumprodBackward0',
     [[1.0, 22.0, 0.0, 0.0, 0.0]]),
    ('cumprod_int',
     lambda m, x: m.cumprod(x, 0),
     [[3, 1, 2]], 'i',
     [3, 3, 6],
     'int64', None,
     None),
    ('cumprod_bool',
     lambda m, x: m.cumprod(x, 0),
     [[True, True, False]], 'b',
     [1, 1, 0],
     'int64', None,
     None),
    ('cumprod_dtype',
     lambda m, x: m.cumprod(x, 0, dtype=m.float64),
     [[3, 1, 2]], 'i',
     [3.0, 3.0, 6.0],
     'float64', None,
     None),
    ('tril',
     lambda m, x: m.tril(x),
     [[[3.0, 1.0, 2.0], [0.5, 5.0, 4.0]]], 'f',
     [[3.0, 0.0, 0.0], [0.5, 5.0, 0.0]],
     'float32', 'TrilBackward0',
     [[[1.0, 0.0, 0.0], [4.0, 5.0, 0.0]]]),
    ('tril_m1',
     lambda m, x: x.tril(diagonal=-1),
     [[[3.0, 1.0, 2.0], [0.5, 5.0, 4.0], [1.0, 2.0, 3.0]]], 'f',
     [[0.0, 0.0, 0.0], [0.5, 0.0, 0.0], [1.0, 2.0, 0.0]],
     'float32', 'TrilBackward0',
     [[[0.0, 0.0, 0.0], [4.0, 0.0, 0.0], [7.0, 8.0, 0.0]]]),
    ('triu',
     lambda m, x: m.triu(x, 1),
     [[[3.0, 1.0, 2.0], [0.5, 5.0, 4.0]]], 'f',
     [[0.0, 1.0, 2.0], [0.0, 0.0, 4.0]],
     'float32', 'TriuBackward0',
     [[[0.0, 2.0, 3.0], [0.0, 0.0, 6.0]]]),
    ('triu_batch',
     lambda m, x: x.triu(),
     [[[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]]], 'f',
     [[[1.0, 2.0], [0.0, 4.0]], [[5.0, 6.0], [0.0, 8.0]]],
     'float32', 'TriuBackward0',
     [[[[1.0, 2.0], [0.0, 4.0]], [[5.0, 6.0], [0.0, 8.0]]]]),
    ('tril_int',
     lambda m, x: m.tril(x),
     [[[1, 2], [3, 4]]], 'i',
     [[1, 0], [3, 4]],
     'int64', None,
     None),
    ('diff',
     lambda m, x: m.diff(x),
     [[[3.0, 1.0, 2.0], [0.5, 5.0, 4.0]]], 'f',
     [[-2.0, 1.0], [4.5, -1.0]],
     'float32', 'SubBackward0',
     [[[-1.0, -1.0, 2.0], [-3.0, -1.0, 4.0]]]),
    ('diff_n2',
     lambda m, x: m.diff(x, n=2),
     [[1.0, 4.0, 9.0, 16.0, 20.0]], 'f',
     [2.0, 2.0, -3.0],
     'float32', 'SubBackward0',
     [[1.0, 0.0, 0.0, -4.0, 3.0]]),
    ('diff_dim0',
     lambda m, x: x.diff(dim=0),
     [[[3.0, 1.0, 2.0], [0.5, 5.0, 4.0]]], 'f',
     [[-2.5, 4.0, 2.0]],
     'float32', 'SubBackward0',
     [[[-1.0, -2.0, -3.0], [1.0, 2.0, 3.0]]]),
    ('diff_n0',
     lambda m, x: m.diff(x, n=0),
     [[1.0, 4.0]], 'f',
     [1.0, 4.0],
     'float32', 'CopyBackwards',
     [[1.0, 2.0]]),
    ('diff_big_n',
     lambda m, x: m.diff(x, n=5),
     [[1.0, 4.0, 9.0]], 'f',
     [],
     'float32', 'SubBackward0',
     [[0.0, 0.0, 0.0]]),
    ('diff_prepend',
     lambda m, x, p: m.diff(x, prepend=p, append=p),
     [[1.0, 4.0, 9.0], [2.0]], 'f',
     [-1.0, 3.0, 5.0, -7.0],
     'float32', 'SubBackward0',
     [[-1.0, -1.0, -1.0], [3.0]]),
    ('diff_int',
     lambda m, x: m.diff(x),
     [[1, 4, 9]], 'i',
     [3, 5],
     'int64', None,
     None),
    ('diff_bool',
     lambda m, x: m.diff(x),
     [[True, False, False]], 'b',
     [True, False],
     'bool', None,
     None),
    ('count_nonzero',
     lambda m, x: m.count_nonzero(x),
     [[[3.0, 0.0, 2.0], [0.0, 5.0, 4.0]]], 'f',
     4,
     'int64', None,
     None),
    ('count_nonzero_dim',
     lambda m, x: x.count_nonzero(dim=0),
     [[[3.0, 0.0, 2.0], [0.0, 5.0, 4.0]]], 'f',
     [1, 1, 2],
     'int64', None,
     None),
    ('count_nonzero_dims',
     lambda m, x: m.count_nonzero(x, (0, 1)),
     [[[3.0, 0.0, 2.0], [0.0, 5.0, 4.0]]], 'f',
     4,
     'int64', None,
     None),
    ('var_mean_v',
     lambda m, x: m.var_mean(x)[0],
     [[[3.0, 1.0, 2.0], [0.5, 5.0, 4.0]]], 'f',
     3.04166675,
     'float32', 'VarMeanBackward0',
     [[[0.166666701, -0.633333325, -0.233333305], [-0.833333313, 0.966666698, 0.566666722]]]),
    ('var_mean_m',
     lambda m, x: m.var_mean(x)[1],
     [[[3.0, 1.0, 2.0], [0.5, 5.0, 4.0]]], 'f',
     2.58333325,
     'float32', 'VarMeanBackward0',
     [[[0.166666672, 0.166666672, 0.166666672], [0.166666672, 0.166666672, 0.166666672]]]),
    ('var_mean_both',
     lambda m, x: m.var_mean(x, 1)[0] * m.var_mean(x, 1)[1],
     [[[3.0, 1.0, 2.0], [0.5, 5.0, 4.0]]], 'f',
     [2.0, 17.6805573],
     'float32', 'MulBackward0',
     [[[2.33333325, -1.66666663, 0.333333343], [-13.166667, 15.333333, 9.0]]]),
    ('var_mean_keep',
     lambda m, x: m.var_mean(x, 1, keepdim=True, correction=0)[0],
     [[[3.0, 1.0, 2.0], [0.5, 5.0, 4.0]]], 'f',
     [[0.666666687], [3.72222233]],
     'float32', 'VarMeanBackward0',
     [[[0.666666687, -0.666666687, 0.0], [-3.55555582, 2.44444442, 1.11111104]]]),
    ('var_mean_unbiased',
     lambda m, x: m.var_mean(x, 0, False)[0],
     [[[3.0, 1.0, 2.0], [0.5, 5.0, 4.0]]], 'f',
     [1.5625, 4.0, 1.0],
     'float32', 'VarMeanBackward0',
     [[[1.25, -4.0, -3.0], [-1.25, 4.0, 3.0]]]),
    ('std_mean_s',
     lambda m, x: m.std_mean(x, dim=0)[0],
     [[[3.0, 1.0, 2.0], [0.5, 5.0, 4.0]]], 'f',
     [1.76776695, 2.82842708, 1.41421354],
     'float32', 'StdMeanBackward0',
     [[[0.707106829, -1.41421354, -2.12132049], [-0.707106829, 1.41421354, 2.12132049]]]),
    ('std_mean_m',
     lambda m, x: m.std_mean(x, dim=(0, 1))[1],
     [[[3.0, 1.0, 2.0], [0.5, 5.0, 4.0]]], 'f',
     2.58333325,
     'float32', 'StdMeanBackward0',
     [[[0.166666672, 0.166666672, 0.166666672], [0.166666672, 0.166666672, 0.166666672]]]),
    ('std_mean_both',
     lambda m, x: m.std_mean(x, 1, unbiased=False)[0] + m.std_mean(x, 1)[1] ** 2,
     [[[3.0, 1.0, 2.0], [0.5, 5.0, 4.0]]], 'f',
     [4.81649685, 11.9570847],
     'float32', 'AddBackward0',
     [[[1.74158168, 0.925085068, 1.33333337], [3.30076265, 4.85572577, 4.51017857]]]),
    ('std_mean_const',
     lambda m, x: m.std_mean(x)[0],
     [[2.0, 2.0, 2.0]], 'f',
     0.0,
     'float32', 'StdMeanBackward0',
     [[0.0, 0.0, 0.0]]),
    ('broadcast_to',
     lambda m, x: m.broadcast_to(x, (2, 2, 3)) * m.arange(12.0).reshape(2, 2, 3),
     [[[3.0, 1.0, 2.0], [0.5, 5.0, 4.0]]], 'f',
     [[[0.0, 1.0, 4.0], [1.5, 20.0, 20.0]], [[18.0, 7.0, 16.0], [4.5, 50.0, 44.0]]],
     'float32', 'MulBackward0',
     [[[42.0, 58.0, 78.0], [102.0, 130.0, 162.0]]]),
    ('broadcast_to_method',
     lambda m, x: x.broadcast_to((3, 2)) * m.arange(6.0).reshape(3, 2),
     [[1.0, 2.0]], 'f',
     [[0.0, 2.0], [2.0, 6.0], [4.0, 10.0]],
     'float32', 'MulBackward0',
     [[26.0, 44.0]]),
    ('ravel',
     lambda m, x: m.ravel(x) * m.arange(6.0),
     [[[3.0, 1.0, 2.0], [0.5, 5.0, 4.0]]], 'f',
     [0.0, 1.0, 4.0, 1.5, 20.0, 20.0],
     'float32', 'MulBackward0',
     [[[0.0, 2.0, 6.0], [12.0, 20.0, 30.0]]]),
    ('ravel_t',
     lambda m, x: x.t().ravel(),
     [[[3.0, 1.0, 2.0], [0.5, 5.0, 4.0]]], 'f',
     [3.0, 0.5, 1.0, 5.0, 2.0, 4.0],
     'float32', 'ViewBackward0',
     [[[1.0, 3.0, 5.0], [2.0, 4.0, 6.0]]]),
]


@pytest.mark.parametrize("case", VALUES, ids=[c[0] for c in VALUES])
def test_values_dtypes_names_and_grads_match_torch(case):
    _, fn, inputs, kind, expected, dtype, node, grads = case
    xs = [al.tensor(v, dtype=DT[kind], requires_grad=kind in "fd") for v in inputs]
    out = fn(al, *xs)
    assert str(out.dtype) == f"torch.{dtype}"
    np.testing.assert_allclose(np.asarray(out.tolist(), dtype=np.float64),
                               np.asarray(expected, dtype=np.float64), rtol=1e-6, atol=1e-6,
                               equal_nan=True)
    if node is None:
        assert out.grad_fn is None
        return
    assert type(out.grad_fn).__name__ == node
    w = al.arange(1.0, out.numel() + 1, dtype=out.dtype).reshape(out.shape)
    gs = al.autograd.grad(out, xs, w, allow_unused=True)
    for g, e in zip(gs, grads):
        assert (g is None) == (e is None)
        if g is not None:
            np.testing.assert_allclose(g.numpy(), np.asarray(e), rtol=1e-6, atol=1e-6)


# (f(m), exception type, torch's message)
ERRORS = [
    (lambda m: m.frac(m.tensor([1, 2])),
     NotImplementedError,
     '"frac_cpu" not implemented for \'Long\''),
    (lambda m: m.trunc(m.tensor([True])),
     NotImplementedError,
     '"trunc_vml_cpu" not implemented for \'Bool\''),
    (lambda m: m.log2(2.0),
     TypeError,
     "log2(): argument 'input' (position 1) must be Tensor, not float"),
    (lambda m: m.atan2(m.tensor([1.0]), 2.0),
     TypeError,
     "atan2(): argument 'other' (position 2) must be Tensor, not float"),
    (lambda m: m.atan2(2.0, m.tensor([1.0])),
     TypeError,
     "atan2(): argument 'input' (position 1) must be Tensor, not float"),
    (lambda m: m.atan2(m.ones(2), m.ones(3)),
     RuntimeError,
     'The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0'),
    (lambda m: m.hypot(m.tensor([1, 2]), m.tensor([1, 2])),
     NotImplementedError,
     '"hypot_cpu" not implemented for \'Long\''),
    (lambda m: m.hypot(m.tensor([True]), m.tensor([True])),
     NotImplementedError,
     '"hypot_cpu" not implemented for \'Bool\''),
    (lambda m: m.logaddexp(m.tensor([1, 2]), m.tensor([1, 2])),
     NotImplementedError,
     '"logaddexp_cpu" not implemented for \'Long\''),
    (lambda m: m.lerp(m.ones(2), m.ones(2, dtype=m.float64), 0.5),
     RuntimeError,
     'expected dtype float for `end` but got dtype double'),
    (lambda m: m.lerp(m.ones(2), m.ones(2), m.ones(2, dtype=m.float64)),
     RuntimeError,
     'expected dtype float for `weight` but got dtype double'),
    (lambda m: m.lerp(m.ones(2), m.ones(2), m.tensor([1, 2])),
     RuntimeError,
     'expected dtype float for `weight` but got dtype long int'),
    (lambda m: m.lerp(m.tensor([1, 2]), m.tensor([1, 2]), 0.5),
     NotImplementedError,
     '"lerp_kernel_scalar" not implemented for \'Long\''),
    (lambda m: m.lerp(m.tensor([1, 2]), m.tensor([1, 2]), m.tensor([1, 2])),
     NotImplementedError,
     '"lerp_kernel_tensor" not implemented for \'Long\''),
    (lambda m: m.lerp(m.ones(2), m.ones(3), 0.5),
     RuntimeError,
     'The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0'),
    (lambda m: m.addcmul(m.ones(2), m.ones(2), m.ones(3)),
     RuntimeError,
     'The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0'),
    (lambda m: m.addcmul(m.ones(2), 2.0, m.ones(2)),
     TypeError,
     "addcmul(): argument 'tensor1' (position 2) must be Tensor, not float"),
    (lambda m: m.addcdiv(m.ones(2), m.tensor([1, 2]), m.tensor([1, 2])),
     RuntimeError,
     ('Integer division with addcdiv is no longer supported, and in a future  release addcdiv '
      'will perform a true division of tensor1 and tensor2. The historic addcdiv behavior can be '
      'implemented as (input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for '
      'integer inputs and as (input + value * tensor1 / tensor2) for float inputs. The future '
      'addcdiv behavior is just the latter implementation: (input + value * tensor1 / tensor2), '
      'for all dtypes.')),
    (lambda m: m.sort(m.ones(2, 3), 2),
     IndexError,
     'Dimension out of range (expected to be in range of [-2, 1], but got 2)'),
    (lambda m: m.topk(m.tensor([True, False]), 1),
     RuntimeError,
     'topk does not support bool dtypes on CPU'),
    (lambda m: m.addcmul(m.tensor([True]), m.tensor([True]), m.tensor([False])),
     NotImplementedError,
     '"addcmul_cpu_out" not implemented for \'Bool\''),
    (lambda m: m.lerp(m.tensor([True]), m.tensor([True]), m.tensor(2)),
     NotImplementedError,
     '"lerp_kernel_tensor" not implemented for \'Long\''),
    (lambda m: m.topk(m.ones(2, 3), 4),
     RuntimeError,
     'selected index k out of range'),
    (lambda m: m.topk(m.ones(2, 3), -1),
     RuntimeError,
     'selected index k out of range'),
    (lambda m: m.topk(m.tensor(2.0), 2),
     RuntimeError,
     'selected index k out of range'),
    (lambda m: m.topk(m.ones(2, 3), 1, dim=-3),
     IndexError,
     'Dimension out of range (expected to be in range of [-2, 1], but got -3)'),
    (lambda m: m.cumprod(m.ones(2, 3), 2),
     IndexError,
     'Dimension out of range (expected to be in range of [-2, 1], but got 2)'),
    (lambda m: m.tril(m.ones(3)),
     RuntimeError,
     'tril: input tensor must have at least 2 dimensions'),
    (lambda m: m.triu(m.tensor(1.0)),
     RuntimeError,
     'triu: input tensor must have at least 2 dimensions'),
    (lambda m: m.diff(m.tensor(1.0)),
     RuntimeError,
     'diff expects input to be at least one-dimensional'),
    (lambda m: m.diff(m.ones(3), n=-1),
     RuntimeError,
     'order must be non-negative but got -1'),
    (lambda m: m.diff(m.ones(2, 3), dim=2),
     IndexError,
     'Dimension out of range (expected to be in range of [-2, 1], but got 2)'),
    (lambda m: m.diff(m.ones(2, 3), prepend=m.zeros(1)),
     RuntimeError,
     'diff expects prepend or append to be the same dimension as input'),
    (lambda m: m.diff(m.ones(2, 3), prepend=m.zeros(3, 1)),
     RuntimeError,
     ('diff expects the shape of tensor to prepend or append to match that of input except along '
      'the differencing dimension; input.size(0) = 2, but got tensor.size(0) = 3')),
    (lambda m: m.count_nonzero(m.ones(2, 3), (0, 0)),
     RuntimeError,
     'dim 0 appears multiple times in the list of dims'),
    (lambda m: m.var_mean(m.tensor([1, 2])),
     RuntimeError,
     'var_mean only support floating point and complex dtypes'),
    (lambda m: m.std_mean(m.tensor([1, 2]), 0),
     RuntimeError,
     'std_mean only support floating point and complex dtypes'),
    (lambda m: m.var_mean(m.ones(2, 3), 2),
     IndexError,
     'Dimension out of range (expected to be in range of [-2, 1], but got 2)'),
    (lambda m: m.broadcast_to(m.ones(2, 3), (3, 3)),
     RuntimeError,
     ('The expanded size of the tensor (3) must match the existing size (2) at non-singleton '
      'dimension 0.  Target sizes: [3, 3].  Tensor sizes: [2, 3]')),
    (lambda m: m.broadcast_to(m.ones(2, 3), (3,)),
     RuntimeError,
     ('expand(torch.FloatTensor{[2, 3]}, size=[3]): the number of sizes provided (1) must be '
      'greater or equal to the number of dimensions in the tensor (2)')),
]


@pytest.mark.parametrize("fn, exc, message", ERRORS)
def test_errors_match_torch(fn, exc, message):
    with pytest.raises(exc, match=f"^{re.escape(message)}$"):
        fn(al)


# --- gradcheck / gradgradcheck in float64 -------------------------------------------------------
RNG = np.random.default_rng(2024)


def _uniform(lo, hi, shape):
    return al.from_numpy(np.asarray(RNG.uniform(lo, hi, shape))).requires_grad_()


def _away_from_zero(shape, lo=0.5, hi=2.0):
    """Values with |x| in [lo, hi], of both signs."""
    return al.from_numpy(np.asarray(RNG.uniform(lo, hi, shape) * RNG.choice([-1.0, 1.0], shape))
                         ).requires_grad_()


def _non_integer(shape):
    return al.from_numpy(np.asarray(RNG.uniform(0.1, 0.9, shape) + RNG.integers(-3, 3, shape))
                         ).requires_grad_()


UNARY = {  # name: the domain of the inputs
    "log2": (0.5, 3.0), "log10": (0.5, 3.0), "exp2": (-2.0, 2.0), "asin": (-0.8, 0.8),
    "acos": (-0.8, 0.8), "atan": (-2.0, 2.0), "sinh": (-2.0, 2.0), "cosh": (-2.0, 2.0),
    "asinh": (-2.0, 2.0), "acosh": (1.5, 4.0), "atanh": (-0.8, 0.8), "frac": None, "trunc": None,
}
SHAPES = [(), (3,), (2, 3)]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_gradcheck(name, shape):
    dom = UNARY[name]
    x = _non_integer(shape) if dom is None else _uniform(*dom, shape)
    fn = getattr(al, name)
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


BROADCAST = [((3,), (3,)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2,))]
BINARY = {
    "atan2": lambda a, b: al.atan2(a, b), "hypot": lambda a, b: al.hypot(a, b),
    "logaddexp": lambda a, b: al.logaddexp(a, b), "lerp": lambda a, b: al.lerp(a, b, 0.3),
    "lerp_high": lambda a, b: al.lerp(a, b, 0.8),
}


@pytest.mark.parametrize("shapes", BROADCAST, ids=str)
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_gradcheck_with_broadcasting(name, shapes):
    a, b = (_away_from_zero(s) for s in shapes)
    assert gradcheck(BINARY[name], (a, b))
    assert gradgradcheck(BINARY[name], (a, b))


TERNARY_SHAPES = [((3,), (3,), (3,)), ((2, 3), (3,), (2, 1)), ((), (2, 1), (3,))]
TERNARY = {
    "lerp_tensor": lambda a, b, w: al.lerp(a, b, w),
    "addcmul": lambda a, b, c: al.addcmul(a, b, c, value=0.7),
    "addcdiv": lambda a, b, c: al.addcdiv(a, b, c, value=-1.5),
}


@pytest.mark.parametrize("shapes", TERNARY_SHAPES, ids=str)
@pytest.mark.parametrize("name", sorted(TERNARY))
def test_ternary_gradcheck_with_broadcasting(name, shapes):
    xs = tuple(_away_from_zero(s) for s in shapes)
    assert gradcheck(TERNARY[name], xs)
    assert gradgradcheck(TERNARY[name], xs)


ORDER = {  # name: (f, input shape); random inputs have no ties
    "nan_to_num": (lambda x: al.nan_to_num(x), (2, 3)),
    "sort": (lambda x: al.sort(x).values, (5,)),
    "sort_dim0_desc": (lambda x: al.sort(x, 0, descending=True).values, (3, 4)),
    "sort_stable": (lambda x: x.sort(stable=True)[0], (3, 4)),
    "topk": (lambda x: al.topk(x, 2).values, (3, 4)),
    "topk_dim0_smallest": (lambda x: al.topk(x, 2, dim=0, largest=False)[0], (3, 4)),
    "topk_0d": (lambda x: al.topk(x, 1).values, ()),
    "cumprod": (lambda x: al.cumprod(x, 1), (3, 4)),
    "cumprod_dim0": (lambda x: al.cumprod(x, 0), (4, 2)),
    "cumprod_0d": (lambda x: al.cumprod(x, 0), ()),
    "tril": (lambda x: al.tril(x), (3, 4)),
    "tril_batch": (lambda x: al.tril(x, -1), (2, 3, 3)),
    "triu": (lambda x: al.triu(x, 1), (4, 3)),
    "diff": (lambda x: al.diff(x), (3, 4)),
    "diff_n2_dim0": (lambda x: al.diff(x, n=2, dim=0), (4, 3)),
    "var_mean": (lambda x: al.var_mean(x, 1), (3, 4)),
    "var_mean_all": (lambda x: al.var_mean(x, correction=0), (2, 3)),
    "std_mean": (lambda x: al.std_mean(x, 0, keepdim=True), (3, 4)),
    "std_mean_dims": (lambda x: al.std_mean(x, (0, 2)), (2, 3, 2)),
    "broadcast_to": (lambda x: al.broadcast_to(x, (2, 3, 4)), (3, 1)),
    "ravel": (lambda x: x.t().ravel(), (3, 4)),
}


@pytest.mark.parametrize("name", sorted(ORDER))
def test_order_gradcheck(name):
    fn, shape = ORDER[name]
    x = al.from_numpy(RNG.standard_normal(shape)).requires_grad_()
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


@pytest.mark.parametrize("values", [[2.0, 0.0, 3.0, 4.0], [0.0, 2.0, 3.0], [1.5, 2.0, 0.0],
                                    [2.0, 0.0, 3.0, 0.0, 5.0], [0.0, 0.0, 2.0]])
def test_cumprod_gradients_with_zeros(values):
    x = al.tensor(values, dtype=al.float64, requires_grad=True)
    m = al.tensor([values, values[::-1]], dtype=al.float64, requires_grad=True)
    for fn, inp in ((lambda t: al.cumprod(t, 0), x), (lambda t: al.cumprod(t, 1), m),
                    (lambda t: al.cumprod(t.t(), 0), m)):
        assert gradcheck(fn, (inp,))
        assert gradgradcheck(fn, (inp,))


# --- forward-mode AD ----------------------------------------------------------------------------
FORWARD = dict(
    {name: (getattr(al, name), [(-0.8, 0.8) if dom is None else dom])
     for name, dom in UNARY.items()},
    atan2=(al.atan2, [(0.5, 2.0), (-2.0, -0.5)]), hypot=(al.hypot, [(0.5, 2.0), (-2.0, -0.5)]),
    logaddexp=(al.logaddexp, [(-2.0, 2.0), (-2.0, 2.0)]),
    lerp=(lambda a, b: al.lerp(a, b, 0.3), [(-2.0, 2.0), (-2.0, 2.0)]),
    lerp_tensor=(al.lerp, [(-2.0, 2.0), (-2.0, 2.0), (0.0, 1.0)]),
    addcmul=(lambda a, b, c: al.addcmul(a, b, c, value=2.0), [(-2.0, 2.0)] * 3),
    addcdiv=(lambda a, b, c: al.addcdiv(a, b, c, value=2.0), [(-2.0, 2.0)] * 2 + [(0.5, 2.0)]),
    nan_to_num=(al.nan_to_num, [(-2.0, 2.0)]),
    sort=(lambda x: al.sort(x, descending=True)[0], [(-2.0, 2.0)]),
    topk=(lambda x: al.topk(x, 2)[0], [(-2.0, 2.0)]),
    cumprod=(lambda x: al.cumprod(x, 1), [(-2.0, 2.0)]),
    tril=(lambda x: al.tril(x, 1), [(-2.0, 2.0)]), triu=(al.triu, [(-2.0, 2.0)]),
    diff=(lambda x: al.diff(x, dim=0), [(-2.0, 2.0)]),
    var_mean=(lambda x: al.var_mean(x, 1), [(-2.0, 2.0)]),
    std_mean=(lambda x: al.std_mean(x, 0), [(-2.0, 2.0)]),
    broadcast_to=(lambda x: al.broadcast_to(x, (2, 3, 4)), [(-2.0, 2.0)]),
    ravel=(lambda x: x.t().ravel(), [(-2.0, 2.0)]),
)


def _tuple(x):
    return x if isinstance(x, tuple) else (x,)


@pytest.mark.parametrize("name", sorted(FORWARD))
def test_forward_mode_tangents_match_finite_differences(name):
    fn, domains = FORWARD[name]
    xs = [RNG.uniform(lo, hi, (3, 4)) for lo, hi in domains]
    ts = [RNG.standard_normal((3, 4)) for _ in domains]
    with fwAD.dual_level():
        duals = [fwAD.make_dual(al.from_numpy(x), al.from_numpy(t)) for x, t in zip(xs, ts)]
        tangents = [fwAD.unpack_dual(o).tangent.numpy() for o in _tuple(fn(*duals))]
    eps = 1e-6
    plus = _tuple(fn(*(al.from_numpy(x + eps * t) for x, t in zip(xs, ts))))
    minus = _tuple(fn(*(al.from_numpy(x - eps * t) for x, t in zip(xs, ts))))
    for tan, p, m in zip(tangents, plus, minus):
        np.testing.assert_allclose(tan, (p.numpy() - m.numpy()) / (2 * eps), rtol=1e-5,
                                   atol=1e-6)


# --- return types, aliases, methods --------------------------------------------------------------
def test_sort_and_topk_return_types():
    s = al.sort(al.tensor([2.0, 1.0]))
    assert repr(s) == ("torch.return_types.sort(\nvalues=tensor([1., 2.]),\n"
                       "indices=tensor([1, 0]))")
    t = al.topk(al.tensor([2.0, 1.0]), 1)
    assert repr(t) == "torch.return_types.topk(\nvalues=tensor([2.]),\nindices=tensor([0]))"
    values, indices = t
    assert values is t.values and indices is t.indices and indices.dtype == al.int64
    assert isinstance(al.var_mean(al.ones(3)), tuple) and len(al.std_mean(al.ones(3))) == 2


def test_aliases_and_methods():
    x = al.tensor([0.25, 0.5])
    for alias, name in (("arcsin", "asin"), ("arccos", "acos"), ("arctan", "atan"),
                        ("arcsinh", "asinh"), ("arccosh", "acosh"), ("arctanh", "atanh"),
                        ("fix", "trunc"), ("arctan2", "atan2")):
        assert hasattr(al.Tensor, alias) and hasattr(al.Tensor, name), alias
    np.testing.assert_array_equal(al.arctan2(x, x).numpy(), al.atan2(x, x).numpy())
    assert not hasattr(al.Tensor, "var_mean") and not hasattr(al.Tensor, "std_mean")
    assert al.ravel(x).grad_fn is None and al.ravel(x)._base is x
    assert al.broadcast_to(x, (3, 2))._base is x


def test_var_mean_warns_like_torch_for_no_degrees_of_freedom():
    with pytest.warns(UserWarning, match=re.escape(
            "var_mean(): degrees of freedom is <= 0. Correction should be strictly less than the "
            "reduction factor (input numel divided by output numel).")):
        v, m = al.var_mean(al.ones(1))
    assert math.isnan(v.item()) and m.item() == 1.0
