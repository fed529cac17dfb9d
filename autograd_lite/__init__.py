"""autograd_lite: a small automatic-differentiation library with PyTorch's API, on NumPy (CPU)
or CuPy (GPU). ``import autograd_lite as torch`` runs course-sized PyTorch code unchanged."""

import numpy as _np

# PyTorch never warns for log(0) = -inf or exp(1000) = inf; NumPy would, on every such element.
_np.seterr(divide="ignore", over="ignore", invalid="ignore", under="ignore")

from . import cuda  # noqa: E402
from .backend import device  # noqa: E402
from .creation import (  # noqa: E402
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    manual_seed,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from .dtypes import (  # noqa: E402
    bool,
    double,
    dtype,
    float,
    float16,
    float32,
    float64,
    half,
    int,
    int8,
    int16,
    int32,
    int64,
    long,
    short,
    uint8,
)
from .grad_mode import (  # noqa: E402
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .methods import FUNCTIONS as _FUNCTIONS  # noqa: E402
from .random import (  # noqa: E402
    Generator,
    default_generator,
    get_rng_state,
    initial_seed,
    seed,
    set_rng_state,
)
from .tensor import Size, Tensor  # noqa: E402

globals().update(_FUNCTIONS)  # sum, mean, exp, matmul, stack, ... as autograd_lite.<name>

from . import (  # noqa: E402,F401
    autograd,
    linalg,
    nn,
    optim,
    utils,  # noqa: E402,F401
)

__version__ = "0.1.0"


def is_tensor(obj: object) -> "bool":
    """True for autograd_lite tensors."""
    return isinstance(obj, Tensor)


def get_default_dtype() -> dtype:
    """The floating dtype used for Python floats: float32."""
    return float32


def numel(input: Tensor) -> "int":
    return input.numel()
