"""optim: SGD/Adam/AdamW numbers against PyTorch 2.13, errors, param groups and state dicts.

The expected values were produced by running the same steps in PyTorch (CPU, float32).
"""

import copy

import numpy as np
import pytest

import autograd_lite as torch
from autograd_lite import nn, optim


def _data():
    rng = np.random.default_rng(7)
    w0 = rng.standard_normal((2, 3)).astype(np.float32)
    b0 = rng.standard_normal(2).astype(np.float32)
    grads = [(rng.standard_normal((2, 3)).astype(np.float32),
              rng.standard_normal(2).astype(np.float32)) for _ in range(4)]
    return w0, b0, grads


EXPECTED = [
    ("SGD", {"lr": 0.1},
     [0.2670491, 0.5061314, 0.0125863, -0.6627041, -0.2729365, -0.9748605],
     [0.4011871, 1.3025039]),
    ("SGD", {"lr": 0.1, "momentum": 0.9},
     [0.6028513, 0.7525413, 0.4447313, -0.4807554, 0.0206548, -0.7179167],
     [0.7627671, 1.1295311]),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.1, "weight_decay": 0.01},
     [0.2802177, 0.5121907, 0.0419953, -0.7085627, -0.2407799, -0.8484679],
     [0.3764376, 1.2279202]),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1},
     [0.398994, 0.584275, 0.2044592, -0.5408914, -0.1269228, -0.8059233],
     [0.538464, 1.1501046]),
    ("SGD", {"lr": 0.05, "momentum": 0.5, "maximize": True},
     [-0.1997026, 0.146073, -0.5302842, -1.0507469, -0.6112036, -1.0467309],
     [-0.1974405, 1.3877189]),
    ("Adam", {},
     [0.0045669, 0.302538, -0.2734048, -0.8896978, -0.4539349, -0.989303],
     [0.0636142, 1.3379623]),
    ("Adam", {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-06, "weight_decay": 0.1},
     [0.0344601, 0.3360876, -0.2656642, -0.8787488, -0.4463833, -0.9675415],
     [0.0957957, 1.3144827]),
    ("Adam", {"lr": 0.01, "amsgrad": True},
     [0.0345973, 0.3366702, -0.2668071, -0.8816518, -0.4473147, -0.9682117],
     [0.0948494, 1.3176856]),
    ("Adam", {"lr": 0.01, "maximize": True, "betas": (0.3, 0.9)},
     [-0.0310376, 0.2621064, -0.2845502, -0.9068688, -0.4607332, -0.9987556],
     [0.0200055, 1.3490831]),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.5},
     [0.0342987, 0.3304484, -0.2613096, -0.8639088, -0.4382352, -0.9487875],
     [0.0933872, 1.2913321]),
]


@pytest.mark.parametrize("name,kwargs,w_expected,b_expected", EXPECTED,
                         ids=[f"{e[0]}-{i}" for i, e in enumerate(EXPECTED)])
def test_updates_match_pytorch(name, kwargs, w_expected, b_expected):
    w0, b0, grads = _data()
    w, b = nn.Parameter(torch.tensor(w0)), nn.Parameter(torch.tensor(b0))
    opt = getattr(optim, name)([w, b], **kwargs)
    for gw, gb in grads:
        w.grad, b.grad = torch.tensor(gw), torch.tensor(gb)
        opt.step()
    np.testing.assert_allclose(w.detach().numpy().ravel(), w_expected, atol=1e-6)
    np.testing.assert_allclose(b.detach().numpy(), b_expected, atol=1e-6)
    assert w.dtype == torch.float32 and w.is_leaf and w.requires_grad


def test_first_momentum_step_uses_the_gradient_itself():
    w = nn.Parameter(torch.tensor([1.0, 2.0]))
    opt = optim.SGD([w], lr=0.5, momentum=0.9, dampening=0.5)
    w.grad = torch.tensor([1.0, -1.0])
    opt.step()  # buffer = g (no dampening on the first step)
    assert w.tolist() == [0.5, 2.5]
    assert opt.state[w]["momentum_buffer"].tolist() == [1.0, -1.0]
    opt.step()  # buffer = 0.9 * g + 0.5 * g
    np.testing.assert_allclose(w.detach().numpy(), [-0.2, 3.2], rtol=1e-6)


def test_adam_state_and_bias_correction():
    w = nn.Parameter(torch.tensor([1.0, -1.0]))
    opt = optim.Adam([w], lr=0.1)
    w.grad = torch.tensor([2.0, -0.5])
    opt.step()  # first step moves each weight by ~lr against the gradient's sign
    np.testing.assert_allclose(w.detach().numpy(), [0.9, -0.9], rtol=1e-6)
    state = opt.state[w]
    assert sorted(state) == ["exp_avg", "exp_avg_sq", "step"]
    assert repr(state["step"]) == "tensor(1.)"
    np.testing.assert_allclose(state["exp_avg"].numpy(), [0.2, -0.05], rtol=1e-6)
    np.testing.assert_allclose(state["exp_avg_sq"].numpy(), [0.004, 0.00025], rtol=1e-5)


def test_parameters_without_grad_are_skipped():
    a, b = nn.Parameter(torch.ones(2)), nn.Parameter(torch.ones(2))
    for opt in (optim.SGD([a, b], lr=0.1, momentum=0.9), optim.Adam([a, b])):
        a.grad = torch.ones(2)
        opt.step()
        assert b.tolist() == [1.0, 1.0] and b not in opt.state


def test_step_bumps_version_so_stale_graphs_fail():
    w = nn.Parameter(torch.tensor([1.0, 2.0]))
    y = w * w
    opt = optim.SGD([w], lr=0.1)
    w.grad = torch.ones(2)
    v = w._version
    opt.step()
    assert w._version == v + 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward(torch.ones(2))


@pytest.mark.parametrize("make,message", [
    (lambda w: optim.SGD([w], lr=-1), "Invalid learning rate: -1"),
    (lambda w: optim.SGD([w], momentum=-1), "Invalid momentum value: -1"),
    (lambda w: optim.SGD([w], weight_decay=-1), "Invalid weight_decay value: -1"),
    (lambda w: optim.SGD([w], nesterov=True),
     "Nesterov momentum requires a momentum and zero dampening"),
    (lambda w: optim.Adam([w], lr=-1), "Invalid learning rate: -1"),
    (lambda w: optim.Adam([w], eps=-1), "Invalid epsilon value: -1"),
    (lambda w: optim.Adam([w], betas=(1.0, 0.9)), "Invalid beta parameter at index 0: 1.0"),
    (lambda w: optim.Adam([w], betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    (lambda w: optim.Adam([w], weight_decay=-1), "Invalid weight_decay value: -1"),
    (lambda w: optim.SGD([], lr=0.1), "optimizer got an empty parameter list"),
    (lambda w: optim.SGD([w * 2], lr=0.1), "can't optimize a non-leaf Tensor"),
    (lambda w: optim.SGD([{"params": [w]}, {"params": [w]}], lr=0.1),
     "some parameters appear in more than one parameter group"),
])
def test_value_errors(make, message):
    w = nn.Parameter(torch.ones(2))
    with pytest.raises(ValueError) as info:
        make(w)
    assert str(info.value) == message


def test_type_errors():
    w = nn.Parameter(torch.ones(2))
    with pytest.raises(TypeError) as info:
        optim.SGD(w, lr=0.1)
    assert str(info.value) == ("params argument given to the optimizer should be an iterable of "
                               "Tensors or dicts, but got torch.FloatTensor")
    with pytest.raises(TypeError, match="optimizer can only optimize Tensors, but one of the "
                                        "params is float"):
        optim.SGD([1.0], lr=0.1)
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD([{"params": {w}}], lr=0.1)
    with pytest.raises(TypeError, match="param_group must be a dict"):
        optim.SGD([w], lr=0.1).add_param_group([w])


def test_param_groups_defaults_and_repr():
    a, b = nn.Parameter(torch.ones(1)), nn.Parameter(torch.ones(1))
    opt = optim.SGD([{"params": [a]}, {"params": b, "lr": 0.5}], lr=0.1, momentum=0.9)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert opt.param_groups[1]["params"] == [b] and opt.param_groups[1]["momentum"] == 0.9
    a.grad, b.grad = torch.ones(1), torch.ones(1)
    opt.step()
    np.testing.assert_allclose([a.item(), b.item()], [0.9, 0.5], rtol=1e-6)
    assert repr(optim.SGD([a], lr=0.1)) == (
        "SGD (\nParameter Group 0\n    dampening: 0\n    differentiable: False\n"
        "    foreach: None\n    fused: None\n    lr: 0.1\n    maximize: False\n"
        "    momentum: 0\n    nesterov: False\n    weight_decay: 0\n)")
    c = nn.Parameter(torch.ones(1))
    opt.add_param_group({"params": [c], "lr": 0.01})
    assert opt.param_groups[2]["lr"] == 0.01 and opt.param_groups[2]["nesterov"] is False


def test_zero_grad():
    w = nn.Parameter(torch.ones(2))
    opt = optim.SGD([w], lr=0.1)
    w.grad = torch.ones(2)
    g = w.grad
    opt.zero_grad(set_to_none=False)
    assert w.grad is g and w.grad.tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert w.grad is None


def test_closure_is_called_with_grad_enabled():
    w = nn.Parameter(torch.ones(1))
    opt = optim.SGD([w], lr=0.1)
    seen = []

    def closure():
        seen.append(torch.is_grad_enabled())
        w.grad = torch.ones(1)
        return 3.0
    with torch.no_grad():
        assert opt.step(closure) == 3.0
    assert seen == [True] and w.item() == pytest.approx(0.9)


def test_state_dict_format_and_round_trip():
    w0, b0, grads = _data()

    def fresh(kind):
        w, b = nn.Parameter(torch.tensor(w0)), nn.Parameter(torch.tensor(b0))
        return w, b, kind([w, b], lr=0.01)

    for kind in (optim.Adam, lambda p, lr: optim.SGD(p, lr=lr, momentum=0.9)):
        w, b, opt = fresh(kind)
        for gw, gb in grads[:2]:
            w.grad, b.grad = torch.tensor(gw), torch.tensor(gb)
            opt.step()
        sd = opt.state_dict()
        assert sorted(sd) == ["param_groups", "state"] and sorted(sd["state"]) == [0, 1]
        assert sd["param_groups"][0]["params"] == [0, 1]
        w2, b2, opt2 = fresh(kind)
        with torch.no_grad():
            w2.copy_(w)
            b2.copy_(b)
        opt2.load_state_dict(copy.deepcopy(sd))  # as saved and loaded: PyTorch shares
        # the state tensors of a state_dict loaded directly
        for gw, gb in grads[2:]:
            for p, q, g in ((w, w2, gw), (b, b2, gb)):
                p.grad, q.grad = torch.tensor(g), torch.tensor(g)
            opt.step()
            opt2.step()
        np.testing.assert_array_equal(w.detach().numpy(), w2.detach().numpy())


def test_adam_state_dict_contents():
    w = nn.Parameter(torch.ones(2))
    w.grad = torch.ones(2)
    opt = optim.Adam([w], lr=0.1)
    opt.step()
    sd = opt.state_dict()
    assert repr(sd["state"]) == ("{0: {'step': tensor(1.), 'exp_avg': tensor([0.1000, 0.1000]), "
                                 "'exp_avg_sq': tensor([0.0010, 0.0010])}}")
    assert sd["param_groups"] == [{
        "lr": 0.1, "betas": (0.9, 0.999), "eps": 1e-08, "weight_decay": 0, "amsgrad": False,
        "maximize": False, "foreach": None, "capturable": False, "differentiable": False,
        "fused": None, "decoupled_weight_decay": False, "params": [0]}]


def test_load_state_dict_errors():
    opt = optim.Adam([nn.Parameter(torch.ones(1))])
    with pytest.raises(ValueError, match="different number of parameter groups"):
        opt.load_state_dict({"state": {}, "param_groups": []})
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        opt.load_state_dict({"state": {}, "param_groups": [{"params": [0, 1]}]})


PLACEMENT_LOSSES = [0.622674, 0.597813, 0.595476, 0.595011, 0.594587, 0.594166, 0.593745,
                    0.593326, 0.592907, 0.59249, 0.592073, 0.591658, 0.591243, 0.590829,
                    0.590417, 0.590005, 0.589594, 0.589184, 0.588775, 0.588367]


def test_placement_dataset_trains_like_pytorch():
    """CGPA -> placed: Linear(1, 1) + Sigmoid + BCELoss + SGD, from PyTorch's numbers."""
    x = torch.tensor([[9.11], [8.9], [7.0], [6.56], [4.56]])
    y = torch.tensor([[1.0], [1.0], [0.0], [1.0], [0.0]])
    model = nn.Sequential(nn.Linear(1, 1), nn.Sigmoid())
    with torch.no_grad():
        model[0].weight.fill_(0.1)
        model[0].bias.fill_(-0.5)
    opt = optim.SGD(model.parameters(), lr=0.1)
    loss_fn = nn.BCELoss()
    losses = []
    for _ in range(20):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    np.testing.assert_allclose(losses, PLACEMENT_LOSSES, atol=2e-6)
    assert all(a > b for a, b in zip(losses, losses[1:]))
    assert model[0].weight.item() == pytest.approx(0.18147046864032745, abs=1e-5)
    assert model[0].bias.item() == pytest.approx(-0.6193928122520447, abs=1e-5)


def test_placement_dataset_with_random_init_and_adam_decreases_loss():
    torch.manual_seed(0)
    x = torch.tensor([[9.11], [8.9], [7.0], [6.56], [4.56]])
    y = torch.tensor([[1.0], [1.0], [0.0], [1.0], [0.0]])
    model = nn.Sequential(nn.Linear(1, 1), nn.Sigmoid())
    opt = optim.Adam(model.parameters(), lr=0.05)
    loss_fn = nn.BCELoss()
    first = last = None
    for _ in range(200):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        first = loss.item() if first is None else first
        last = loss.item()
    assert last < first
