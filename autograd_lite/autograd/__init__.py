"""``autograd_lite.autograd``: grad, backward, Function, functional, forward_ad, gradcheck."""

from .. import grad_mode
from ..engine import backward, grad
from ..function import Function
from ..grad_mode import enable_grad, inference_mode, no_grad, set_grad_enabled
from . import forward_ad, functional
from .gradcheck import GradcheckError, gradcheck, gradgradcheck

__all__ = ["Function", "GradcheckError", "backward", "enable_grad", "forward_ad", "functional",
           "grad", "grad_mode", "gradcheck", "gradgradcheck", "inference_mode", "no_grad",
           "set_grad_enabled"]
