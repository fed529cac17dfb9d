"""Devices without a GPU: torch.device, cuda.is_available() False, PyTorch's errors for CUDA."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import autograd_lite as torch
from autograd_lite import backend, nn

pytestmark = pytest.mark.skipif(torch.cuda.is_available(), reason="these test the no-GPU path")


def test_device_objects_follow_torch():
    assert repr(torch.device("cpu")) == "device(type='cpu')"
    assert repr(torch.device("cuda")) == "device(type='cuda')"
    assert str(torch.device("cuda")) == "cuda"
    assert repr(torch.device("cuda:1")) == "device(type='cuda', index=1)"
    assert torch.device("cuda", 1) == torch.device("cuda:1")
    assert str(torch.device("cuda", 1)) == "cuda:1"
    # torch 2.13: a device never equals a string, and 'cuda' (no index) is not 'cuda:0'
    assert not torch.device("cpu") == "cpu" and torch.device("cpu") != "cpu"
    assert torch.device("cuda") != torch.device("cuda:0")
    assert not torch.device("cuda") == torch.device("cuda:0")
    assert torch.device("cpu") != torch.device("cpu:0")
    assert torch.device("cuda:0") == torch.device("cuda", 0)
    assert torch.device(torch.device("cuda:2")).index == 2
    assert len({torch.device("cuda"), torch.device("cuda:0"), torch.device("cuda", 0)}) == 2
    assert pickle.loads(pickle.dumps(torch.device("cuda:1"))) == torch.device("cuda:1")


def test_bad_device_strings():
    with pytest.raises(RuntimeError, match="Expected one of cpu, cuda device type at start of "
                                           "device string: gpu"):
        torch.device("gpu")
    with pytest.raises(RuntimeError, match="Invalid device string: 'cuda:x'"):
        torch.device("cuda:x")
    with pytest.raises(RuntimeError, match="Cannot access accelerator device"):
        torch.device(0)
    with pytest.raises(TypeError, match="invalid combination of arguments"):
        torch.device(1.5)


def test_is_available_is_false_not_an_exception():
    assert torch.cuda.is_available() is False
    assert torch.cuda.device_count() == 0
    reason = torch.cuda.unavailable_reason()
    assert reason.startswith(("Torch not compiled with CUDA enabled", "Found no NVIDIA driver"))
    # the seed's idiom picks the CPU
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    assert torch.ones(2, device=dev).device == torch.device("cpu")


def test_unavailable_error_matches_whether_cupy_is_installed():
    err = backend.cuda_unavailable_error()
    assert isinstance(err, AssertionError) and isinstance(err, RuntimeError)  # torch raises either
    if backend.cupy_module() is None:
        assert str(err).startswith("Torch not compiled with CUDA enabled")
        assert "pip install -e .[gpu]" in str(err)
    else:  # CuPy installed, no driver or device answers
        assert str(err).startswith(("Found no NVIDIA driver", "No CUDA GPUs are available"))


@pytest.mark.parametrize("make", [
    lambda: torch.ones(2).cuda(),
    lambda: torch.ones(2).to("cuda"),
    lambda: torch.ones(2).to(torch.device("cuda")),
    lambda: torch.ones(2).to(device="cuda:0"),
    lambda: torch.zeros(3, device="cuda"),
    lambda: torch.tensor([1.0], device="cuda"),
    lambda: torch.randn(2, device="cuda"),
    lambda: nn.Linear(2, 2).to("cuda"),
    lambda: nn.Linear(2, 2).cuda(),
    lambda: nn.Linear(2, 2, device="cuda"),
    lambda: torch.cuda.get_device_name(),
    lambda: torch.cuda.current_device(),
    lambda: torch.cuda.synchronize(),
])
def test_asking_for_cuda_raises_pytorchs_error(make):
    err = backend.cuda_unavailable_error()
    with pytest.raises(type(err), match=str(err).split(":")[0].split(" (")[0]):
        make()


def test_cpu_moves_are_no_ops_and_the_cpu_path_is_numpy():
    t = torch.ones(3, requires_grad=True)
    assert t.cpu() is t and t.to("cpu") is t and not t.is_cuda
    m = nn.Linear(2, 2)
    assert m.cpu() is m and m.to("cpu") is m
    assert backend.array_module(np.zeros(2)) is np
    assert backend.is_cuda_array(np.zeros(2)) is False
    assert backend.to_device(t.detach()._data, torch.device("cpu")) is t.detach()._data


def test_import_does_not_import_cupy(tmp_path):
    import subprocess
    import sys
    code = "import sys, autograd_lite; print('cupy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
