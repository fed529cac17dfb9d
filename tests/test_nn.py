"""nn: Parameter, Module (registration, traversal, state_dict, repr, hooks, to), layers,
activations, losses, functional, init and utils.

Expected numbers, reprs and messages were produced with PyTorch 2.13 (CPU).
"""

import copy
import math
import pickle
import warnings

import numpy as np
import pytest

import autograd_lite as torch
from autograd_lite import nn
from autograd_lite.nn import functional as F


def r6(t):
    return np.round(t.detach().numpy().ravel().astype(np.float64), 6)


# --- Parameter ----------------------------------------------------------------------------------
def test_parameter_repr_and_identity():
    t = torch.tensor([1.0, 2.0])
    p = nn.Parameter(t)
    assert repr(p) == "Parameter containing:\ntensor([1., 2.], requires_grad=True)"
    assert str(p) == repr(p)
    assert repr(nn.Parameter(t, requires_grad=False)) == "Parameter containing:\ntensor([1., 2.])"
    assert repr(nn.Parameter()) == "Parameter containing:\ntensor([], requires_grad=True)"
    assert repr(nn.Parameter(torch.zeros(2, 2, dtype=torch.float64))) == (
        "Parameter containing:\ntensor([[0., 0.],\n        [0., 0.]], dtype=torch.float64, "
        "requires_grad=True)")
    assert isinstance(p, torch.Tensor) and p.is_leaf and p.requires_grad
    t[0] = 5.0
    assert p[0].item() == 5.0  # shares data with the tensor it wraps
    assert type(p * 2) is torch.Tensor and type(p.detach()) is torch.Tensor


def test_parameter_from_non_leaf_is_a_leaf():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    p = nn.Parameter(x * 2)
    assert p.is_leaf and p.grad_fn is None and p.requires_grad
    with pytest.raises(RuntimeError, match="Only Tensors of floating point and complex dtype"):
        nn.Parameter(torch.tensor([1, 2]))


def test_parameter_copy_and_pickle_keep_the_class():
    p = nn.Parameter(torch.tensor([1.0, 2.0]))
    for q in (copy.deepcopy(p), pickle.loads(pickle.dumps(p))):
        assert type(q) is nn.Parameter and q.requires_grad and q.tolist() == [1.0, 2.0]
        assert q is not p


# --- Module: registration and traversal ----------------------------------------------------------
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(2, 2)
        self.b = self.a  # shared
        self.register_buffer("running", torch.zeros(2))
        self.register_buffer("tmp", torch.ones(1), persistent=False)
        self.register_parameter("nothing", None)
        self.scale = nn.Parameter(torch.tensor(2.0))


def test_registration_names_and_dedup():
    net = Net()
    assert [n for n, _ in net.named_parameters()] == ["scale", "a.weight", "a.bias"]
    assert [n for n, _ in net.named_parameters(remove_duplicate=False)] == [
        "scale", "a.weight", "a.bias", "b.weight", "b.bias"]
    assert len(list(net.parameters())) == 3
    assert [n for n, _ in net.named_buffers()] == ["running", "tmp"]
    assert list(net.state_dict()) == ["scale", "running", "a.weight", "a.bias", "b.weight",
                                      "b.bias"]
    assert [n for n, _ in net.named_modules()] == ["", "a"]
    assert [n for n, _ in net.named_children()] == ["a"]
    assert net.nothing is None and net.a is net.b
    net.running = torch.ones(2)
    assert net.state_dict()["running"].tolist() == [1.0, 1.0]
    net.scale = None
    assert "scale" not in net.state_dict()
    del net.b
    assert [n for n, _ in net.named_modules()] == ["", "a"] and not hasattr(net, "b")


@pytest.mark.parametrize("action,exc,message", [
    (lambda n: setattr(n, "scale", torch.ones(1)), TypeError,
     "cannot assign 'torch.FloatTensor' as parameter 'scale' (torch.nn.Parameter or None "
     "expected)"),
    (lambda n: setattr(n, "a", 3), TypeError,
     "cannot assign 'int' as child module 'a' (torch.nn.Module or None expected)"),
    (lambda n: setattr(n, "running", 3), TypeError,
     "cannot assign 'int' as buffer 'running' (torch.nn.Buffer, torch.Tensor or None expected)"),
    (lambda n: n.register_buffer("a", torch.ones(1)), KeyError, "attribute 'a' already exists"),
    (lambda n: n.register_buffer("x.y", torch.ones(1)), KeyError,
     'buffer name can\'t contain "."'),
    (lambda n: n.register_buffer("q", 3), TypeError,
     "cannot assign 'int' object to buffer 'q' (torch Tensor or None required)"),
    (lambda n: n.register_parameter("q", torch.ones(1)), TypeError,
     "cannot assign 'torch.FloatTensor' object to parameter 'q' (torch.nn.Parameter or None "
     "required)"),
    (lambda n: n.register_parameter(1, None), TypeError, "parameter name should be a string. "
                                                         "Got int"),
    (lambda n: n.add_module("q", 3), TypeError, "int is not a Module subclass"),
    (lambda n: n.add_module("q.r", nn.ReLU()), KeyError, 'module name can\'t contain ".", got: '
                                                         "q.r"),
    (lambda n: n.zzz, AttributeError, "'Net' object has no attribute 'zzz'"),
])
def test_registration_errors(action, exc, message):
    with pytest.raises(exc) as info:
        action(Net())
    text = info.value.args[0]
    assert text == message


def test_module_construction_errors():
    with pytest.raises(NotImplementedError) as info:
        nn.Module()(1)
    assert str(info.value) == 'Module [Module] is missing the required "forward" function'
    with pytest.raises(TypeError, match=r"takes 1 positional argument but 2 were given"):
        nn.Module(3)

    class Bad(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(torch.ones(1))
    with pytest.raises(AttributeError, match=r"cannot assign parameters before "
                                             r"Module.__init__\(\) call"):
        Bad()


def test_train_eval_requires_grad_apply():
    net = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Dropout(), nn.ReLU()))
    assert net.training and net.eval() is net and not net[1][0].training
    assert net.train()[1][0].training
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        net.train("yes")
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    seen = []
    net.apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "Dropout", "ReLU", "Sequential", "Sequential"]


def test_zero_grad_set_to_none():
    lin = nn.Linear(2, 2)
    lin.weight.grad = torch.ones(2, 2)
    g = lin.weight.grad
    lin.zero_grad(set_to_none=False)
    assert lin.weight.grad is g and lin.weight.grad.tolist() == [[0.0, 0.0], [0.0, 0.0]]
    lin.zero_grad()
    assert lin.weight.grad is None and lin.bias.grad is None


def test_to_and_dtype_casts_keep_parameter_identity():
    lin = nn.Linear(2, 2)
    w = lin.weight
    lin.weight.grad = torch.ones(2, 2)
    assert lin.double() is lin
    assert lin.weight is w and w.dtype == torch.float64 and w.grad.dtype == torch.float64
    lin.to(torch.float32)
    assert lin.weight is w and w.dtype == torch.float32 and w.requires_grad and w.is_leaf
    assert lin.to("cpu").weight.device == torch.device("cpu")
    with pytest.raises(TypeError) as info:
        lin.to(torch.int64)
    assert str(info.value) == ("nn.Module.to only accepts floating point or complex dtypes, but "
                               "got desired dtype=torch.int64")


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error without a GPU")
def test_to_cuda_without_gpu_raises_assertion():
    with pytest.raises(AssertionError):
        nn.Linear(2, 2).to("cuda")
    with pytest.raises(AssertionError):
        nn.Linear(2, 2).cuda()


# --- state dict ---------------------------------------------------------------------------------
def test_state_dict_round_trip():
    torch.manual_seed(0)
    a = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    b = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    sd = a.state_dict()
    assert list(sd) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert all(type(v) is torch.Tensor and not v.requires_grad for v in sd.values())
    result = b.load_state_dict(sd)
    assert repr(result) == "<All keys matched successfully>"
    assert result.missing_keys == [] and result.unexpected_keys == []
    x = torch.tensor([[0.5, -1.0], [2.0, 0.25]])
    np.testing.assert_array_equal(a(x).detach().numpy(), b(x).detach().numpy())
    w = b[0].weight
    assert w is b[0].weight and w.is_leaf  # loaded in place
    sd["0.bias"].fill_(7.0)  # state_dict tensors share the parameters' data
    assert a[0].bias.tolist() == [7.0, 7.0, 7.0]
    assert b[0].bias.tolist() != [7.0, 7.0, 7.0]


def test_load_state_dict_errors():
    lin = nn.Linear(2, 3)
    with pytest.raises(RuntimeError) as info:
        lin.load_state_dict({"weight": torch.zeros(3, 2)})
    assert str(info.value) == ('Error(s) in loading state_dict for Linear:\n\tMissing key(s) in '
                               'state_dict: "bias". ')
    with pytest.raises(RuntimeError) as info:
        lin.load_state_dict({"weight": torch.zeros(3, 2), "bias": torch.zeros(3),
                             "extra": torch.zeros(1), "foo.bar": torch.zeros(1)})
    assert str(info.value) == ('Error(s) in loading state_dict for Linear:\n\tUnexpected key(s) '
                               'in state_dict: "extra", "foo.bar". ')
    with pytest.raises(RuntimeError) as info:
        lin.load_state_dict({"weight": torch.zeros(2, 3)})
    assert str(info.value) == (
        'Error(s) in loading state_dict for Linear:\n\tMissing key(s) in state_dict: "bias". '
        "\n\tsize mismatch for weight: copying a param with shape torch.Size([2, 3]) from "
        "checkpoint, the shape in current model is torch.Size([3, 2]).")
    result = lin.load_state_dict({"weight": torch.zeros(3, 2), "x": torch.ones(1)},
                                 strict=False)
    assert repr(result) == "_IncompatibleKeys(missing_keys=['bias'], unexpected_keys=['x'])"
    assert lin.weight.tolist() == [[0.0, 0.0]] * 3
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        lin.load_state_dict([1])


def test_load_state_dict_nested_keys():
    seq = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1))
    with pytest.raises(RuntimeError) as info:
        seq.load_state_dict({"0.weight": torch.zeros(2, 2)})
    assert str(info.value) == ('Error(s) in loading state_dict for Sequential:\n\tMissing key(s) '
                               'in state_dict: "0.bias", "2.weight", "2.bias". ')
    result = seq.load_state_dict({"0.weight": torch.zeros(2, 2), "0.bias": torch.zeros(2),
                                  "2.weight": torch.zeros(1, 2), "2.bias": torch.zeros(1),
                                  "1.weight": torch.zeros(1), "3.x": torch.zeros(1)},
                                 strict=False)
    assert result.unexpected_keys == ["3.x", "1.weight"]


# --- repr ---------------------------------------------------------------------------------------
def test_module_reprs():
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Sequential(nn.Tanh(), nn.Linear(3, 1)))
    assert repr(seq) == (
        "Sequential(\n  (0): Linear(in_features=2, out_features=3, bias=True)\n  (1): ReLU()\n"
        "  (2): Sequential(\n    (0): Tanh()\n    (1): Linear(in_features=3, out_features=1, "
        "bias=True)\n  )\n)")
    ml = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)] + [nn.ReLU()])
    assert repr(ml) == ("ModuleList(\n  (0-2): 3 x Linear(in_features=2, out_features=2, "
                        "bias=True)\n  (3): ReLU()\n)")
    assert repr(nn.ModuleDict({"a": nn.ReLU()})) == "ModuleDict(\n  (a): ReLU()\n)"
    assert [repr(m) for m in (nn.Softmax(), nn.Softmax(dim=1), nn.LogSoftmax(1), nn.LeakyReLU(),
                              nn.LeakyReLU(0.2, inplace=True), nn.GELU(), nn.ReLU(inplace=True),
                              nn.Sigmoid(), nn.Dropout(), nn.Flatten(), nn.Identity(3),
                              nn.Linear(3, 4, bias=False), nn.Sequential(), nn.ModuleList())] == [
        "Softmax(dim=None)", "Softmax(dim=1)", "LogSoftmax(dim=1)",
        "LeakyReLU(negative_slope=0.01)", "LeakyReLU(negative_slope=0.2, inplace=True)",
        "GELU(approximate='none')", "ReLU(inplace=True)", "Sigmoid()",
        "Dropout(p=0.5, inplace=False)", "Flatten(start_dim=1, end_dim=-1)", "Identity()",
        "Linear(in_features=3, out_features=4, bias=False)", "Sequential()", "ModuleList()"]
    assert [repr(m) for m in (nn.MSELoss(), nn.L1Loss(reduction="sum"), nn.BCELoss(),
                              nn.BCEWithLogitsLoss(pos_weight=torch.ones(1)),
                              nn.CrossEntropyLoss(label_smoothing=0.1), nn.NLLLoss())] == [
        "MSELoss()", "L1Loss()", "BCELoss()", "BCEWithLogitsLoss()", "CrossEntropyLoss()",
        "NLLLoss()"]

    class Custom(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(1, 1)

        def extra_repr(self):
            return "hello\nworld"
    assert repr(Custom()) == ("Custom(\n  hello\n  world\n  (lin): Linear(in_features=1, "
                              "out_features=1, bias=True)\n)")


# --- containers ---------------------------------------------------------------------------------
def test_sequential_indexing_and_editing():
    s = nn.Sequential(nn.ReLU(), nn.Tanh(), nn.Sigmoid())
    assert len(s) == 3 and isinstance(s[-1], nn.Sigmoid) and list(s)[1] is s[1]
    assert isinstance(s[1:], nn.Sequential) and len(s[1:]) == 2
    with pytest.raises(IndexError, match="index 5 is out of range"):
        s[5]
    del s[0]
    assert [type(m).__name__ for m in s] == ["Tanh", "Sigmoid"] and list(s._modules) == ["0", "1"]
    s.append(nn.ReLU()).insert(0, nn.Identity())
    assert [type(m).__name__ for m in s] == ["Identity", "Tanh", "Sigmoid", "ReLU"]
    assert isinstance(s.pop(1), nn.Tanh) and len(s) == 3
    assert len(s + nn.Sequential(nn.ReLU())) == 4


def test_modulelist_and_moduledict_register_parameters():
    ml = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2)])
    ml.append(nn.ReLU())
    ml += [nn.Linear(2, 1)]
    assert len(ml) == 4 and len(list(ml.parameters())) == 6
    assert [n for n, _ in ml.named_parameters()][-1] == "3.bias"
    md = nn.ModuleDict([("x", nn.Linear(1, 1))])
    md["y"] = nn.Tanh()
    assert list(md) == ["x", "y"] and "x" in md and len(list(md.parameters())) == 2


# --- Linear, Flatten ------------------------------------------------------------------------------
def test_linear_init_is_seeded_and_bounded():
    torch.manual_seed(3)
    a = nn.Linear(16, 4)
    torch.manual_seed(3)
    b = nn.Linear(16, 4)
    np.testing.assert_array_equal(a.weight.detach().numpy(), b.weight.detach().numpy())
    bound = 1 / math.sqrt(16)
    assert a.weight.shape == (4, 16) and a.bias.shape == (4,)
    assert float(np.abs(a.weight.detach().numpy()).max()) <= bound
    assert float(np.abs(a.bias.detach().numpy()).max()) <= bound
    assert a.weight.dtype == torch.float32
    assert nn.Linear(2, 2, dtype=torch.float64).weight.dtype == torch.float64
    assert nn.Linear(2, 2, bias=False).bias is None


def test_linear_forward_backward_matches_pytorch():
    lin = nn.Linear(3, 2)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]]))
        lin.bias.copy_(torch.tensor([0.05, -0.05]))
    x = torch.tensor([[0.2, -1.0, 0.5], [1.5, 0.3, -0.7], [-0.4, 0.9, 2.0], [0.0, 0.1, -0.1]],
                     requires_grad=True)
    out = lin(x)
    assert out.grad_fn.name() == "AddmmBackward0"
    out.backward(torch.ones(4, 2))
    np.testing.assert_allclose(r6(out), [0.42, -0.77, -0.07, 1.12, 0.43, -0.96, -0.0, 0.06],
                               atol=1e-6)
    np.testing.assert_allclose(r6(lin.weight.grad), [1.3, 0.3, 1.7, 1.3, 0.3, 1.7], atol=1e-6)
    np.testing.assert_allclose(r6(lin.bias.grad), [4.0, 4.0], atol=1e-6)
    np.testing.assert_allclose(r6(x.grad), [0.5, 0.3, -0.3] * 4, atol=1e-6)


def test_flatten_identity():
    x = torch.zeros(2, 3, 4)
    assert nn.Flatten()(x).shape == (2, 12)
    assert nn.Flatten(0, 1)(x).shape == (6, 4)
    assert nn.Identity()(x) is x


# --- activations --------------------------------------------------------------------------------
X = [[-2.0, -0.5, 0.0, 0.7, 3.0], [1.0, -1.5, 2.5, 0.1, -0.2]]
ACTIVATIONS = [
    ("leaky", lambda x: F.leaky_relu(x, 0.1),
     [-0.2, -0.05, 0.0, 0.7, 3.0, 1.0, -0.15, 2.5, 0.1, -0.02],
     [0.0, 0.01, 0.02, 0.3, 0.4, 0.5, 0.06, 0.7, 0.8, 0.09], "LeakyReluBackward0"),
    ("gelu", F.gelu,
     [-0.0455, -0.154269, 0.0, 0.530625, 2.99595, 0.841345, -0.100211, 2.484476, 0.053983,
      -0.084148],
     [-0.0, 0.01325, 0.1, 0.292984, 0.404778, 0.541658, -0.076481, 0.726328, 0.463619,
      0.308279], "GeluBackward0"),
    ("gelu_tanh", lambda x: F.gelu(x, approximate="tanh"),
     [-0.045402, -0.154286, 0.0, 0.53057, 2.996363, 0.841192, -0.100428, 2.484916, 0.053983,
      -0.084149],
     [-0.0, 0.013263, 0.1, 0.292907, 0.404634, 0.541482, -0.076626, 0.726566, 0.463617,
      0.308288], "GeluBackward0"),
    ("softmax", nn.Softmax(dim=1),
     [0.005677, 0.02544, 0.041944, 0.084465, 0.842473, 0.159451, 0.013088, 0.714608, 0.064828,
      0.048026],
     [-0.002119, -0.006952, -0.007267, -0.006188, 0.022526, -0.029162, -0.001085, 0.012228,
      0.007592, 0.010427], None),
    ("log_softmax", nn.LogSoftmax(dim=1),
     [-5.171413, -3.671413, -3.171413, -2.471413, -0.171413, -1.836022, -4.336021, -0.336022,
      -2.736022, -3.036022],
     [-0.005677, 0.07456, 0.158056, 0.215535, -0.442473, -0.058077, 0.55419, -1.801127,
      0.573103, 0.73191], None),
    ("logsigmoid", F.logsigmoid,
     [-2.126928, -0.974077, -0.693147, -0.403186, -0.048587, -0.313262, -1.701413, -0.07889,
      -0.644397, -0.798139],
     [0.0, 0.062246, 0.1, 0.099544, 0.01897, 0.134471, 0.490545, 0.053101, 0.380017, 0.494851],
     None),
    ("relu", nn.ReLU(), [0.0, 0.0, 0.0, 0.7, 3.0, 1.0, 0.0, 2.5, 0.1, 0.0],
     [0.0, 0.0, 0.0, 0.3, 0.4, 0.5, 0.0, 0.7, 0.8, 0.0], "ReluBackward0"),
]


@pytest.mark.parametrize("name,fn,values,grads,grad_fn", ACTIVATIONS,
                         ids=[a[0] for a in ACTIVATIONS])
def test_activations_match_pytorch(name, fn, values, grads, grad_fn):
    x = torch.tensor(X, requires_grad=True)
    y = fn(x)
    weights = torch.tensor(np.arange(10, dtype=np.float32).reshape(2, 5) / 10)
    (y * weights).backward(torch.ones(2, 5))
    np.testing.assert_allclose(r6(y), values, atol=2e-6)
    np.testing.assert_allclose(r6(x.grad), grads, atol=2e-6)
    if grad_fn:
        assert y.grad_fn.name() == grad_fn


def test_gelu_and_leaky_relu_double_backward():
    x = torch.tensor([-1.0, 0.3, 2.0], requires_grad=True)
    (g,) = torch.autograd.grad(F.gelu(x), x, torch.ones(3), create_graph=True)
    (gg,) = torch.autograd.grad(g, x, torch.ones(3))
    pdf = np.exp(-0.5 * np.array([-1.0, 0.3, 2.0]) ** 2) / math.sqrt(2 * math.pi)
    np.testing.assert_allclose(gg.numpy(), pdf * (2 - np.array([-1.0, 0.3, 2.0]) ** 2),
                               rtol=1e-5)


def test_softmax_implicit_dim_warns():
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        y = nn.Softmax()(torch.tensor(X))
    np.testing.assert_allclose(y.detach().numpy().sum(1), [1.0, 1.0], rtol=1e-6)


def test_inplace_relu_and_leaky_relu():
    x = torch.tensor([-1.0, 2.0])
    assert F.relu(x, inplace=True) is x and x.tolist() == [0.0, 2.0]
    y = torch.tensor([-1.0, 2.0])
    assert nn.LeakyReLU(0.5, inplace=True)(y) is y and y.tolist() == [-0.5, 2.0]


def test_dropout():
    torch.manual_seed(0)
    x = torch.ones(1000, requires_grad=True)
    drop = nn.Dropout(0.25)
    y = drop(x)
    kept = y.detach().numpy() != 0
    assert 0.65 < kept.mean() < 0.85
    np.testing.assert_allclose(y.detach().numpy()[kept], 1 / 0.75, rtol=1e-6)
    y.backward(torch.ones(1000))
    np.testing.assert_allclose(x.grad.numpy(), y.detach().numpy(), rtol=1e-6)
    assert drop.eval()(x) is x
    assert F.dropout(x, 1.0).detach().numpy().sum() == 0.0
    with pytest.raises(ValueError) as info:
        F.dropout(x, 1.5)
    assert str(info.value) == "dropout probability has to be between 0 and 1, but got 1.5"


def test_one_hot():
    out = F.one_hot(torch.tensor([0, 2, 1]))
    assert out.dtype == torch.int64 and out.tolist() == [[1, 0, 0], [0, 0, 1], [0, 1, 0]]
    assert F.one_hot(torch.tensor([1]), 4).tolist() == [[0, 1, 0, 0]]
    with pytest.raises(RuntimeError, match="Class values must be smaller than num_classes."):
        F.one_hot(torch.tensor([3]), 2)
    with pytest.raises(RuntimeError, match="one_hot is only applicable to index tensor"):
        F.one_hot(torch.tensor([1.0]))
    with pytest.raises(RuntimeError, match="Class values must be non-negative."):
        F.one_hot(torch.tensor([-1]))
    with pytest.raises(RuntimeError, match="Can not infer total number of classes"):
        F.one_hot(torch.tensor([], dtype=torch.int64))
    assert F.one_hot(torch.tensor([], dtype=torch.int64), 3).shape == (0, 3)


# --- losses -------------------------------------------------------------------------------------
INP = [[0.2, -1.0, 0.5], [1.5, 0.3, -0.7], [-0.4, 0.9, 2.0], [0.0, 0.1, -0.1]]
TGT = [2, 0, 1, 2]
PROB, PTGT = [0.9, 0.2, 0.6, 0.4], [1.0, 0.0, 0.0, 1.0]
REG, RTGT = [0.5, -1.0, 2.0, 0.0], [1.0, -0.5, 1.0, 0.3]
W = [1.0, 2.0, 0.5]
LOSSES = [
    ("mse_mean", lambda: nn.MSELoss(), "reg", [0.3975], [-0.25, -0.25, 0.5, -0.15]),
    ("mse_sum", lambda: nn.MSELoss(reduction="sum"), "reg", [1.59], [-1.0, -1.0, 2.0, -0.6]),
    ("mse_none", lambda: nn.MSELoss(reduction="none"), "reg", [0.25, 0.25, 1.0, 0.09],
     [-1.0, -1.0, 2.0, -0.6]),
    ("l1_mean", lambda: nn.L1Loss(), "reg", [0.575], [-0.25, -0.25, 0.25, -0.25]),
    ("l1_none", lambda: nn.L1Loss(reduction="none"), "reg", [0.5, 0.5, 1.0, 0.3],
     [-1.0, -1.0, 1.0, -1.0]),
    ("bce_mean", lambda: nn.BCELoss(), "prob", [0.540271], [-0.277778, 0.3125, 0.625, -0.625]),
    ("bce_w_sum", lambda: nn.BCELoss(weight=torch.tensor([1.0, 2.0, 3.0, 4.0]),
                                     reduction="sum"), "prob", [6.965683],
     [-1.111111, 2.5, 7.500001, -10.0]),
    ("bcel_mean", lambda: nn.BCEWithLogitsLoss(), "logit", [0.901854],
     [-0.094385, 0.067235, 0.220199, -0.125]),
    ("bcel_pos", lambda: nn.BCEWithLogitsLoss(pos_weight=torch.tensor(3.0)), "logit",
     [1.485466], [-0.283156, 0.067235, 0.220199, -0.375]),
    ("ce_mean", lambda: nn.CrossEntropyLoss(), "cls", [0.918772],
     [0.094302, 0.028403, -0.122705, -0.072946, 0.053328, 0.019618, 0.015931, -0.191544,
      0.175612, 0.083056, 0.091791, -0.174848]),
    ("ce_weight", lambda: nn.CrossEntropyLoss(weight=torch.tensor(W)), "cls", [1.047454],
     [0.047151, 0.014202, -0.061353, -0.072946, 0.053328, 0.019618, 0.031862, -0.383087,
      0.351225, 0.041528, 0.045896, -0.087424]),
    ("ce_ignore", lambda: nn.CrossEntropyLoss(ignore_index=0), "cls", [1.110027],
     [0.125736, 0.037871, -0.163607, 0.0, 0.0, 0.0, 0.021242, -0.255392, 0.23415, 0.110742,
      0.122388, -0.23313]),
    ("ce_smooth", lambda: nn.CrossEntropyLoss(label_smoothing=0.1), "cls", [0.961272],
     [0.085969, 0.02007, -0.106039, -0.056279, 0.044994, 0.011285, 0.007598, -0.174877,
      0.167279, 0.074723, 0.083458, -0.158181]),
    ("ce_none", lambda: nn.CrossEntropyLoss(reduction="none"), "cls",
     [0.674957, 0.345005, 1.453181, 1.201943],
     [0.377209, 0.113613, -0.490822, -0.291783, 0.213311, 0.078473, 0.063725, -0.766175,
      0.70245, 0.332225, 0.367165, -0.69939]),
    ("nll_mean", lambda: nn.NLLLoss(), "logp", [0.918772],
     [0.094302, 0.028403, -0.122705, -0.072946, 0.053328, 0.019618, 0.015931, -0.191544,
      0.175612, 0.083056, 0.091791, -0.174848]),
    ("nll_weight_sum", lambda: nn.NLLLoss(weight=torch.tensor(W), reduction="sum"), "logp",
     [4.189817],
     [0.188604, 0.056807, -0.245411, -0.291783, 0.213311, 0.078473, 0.12745, -1.532349, 1.4049,
      0.166112, 0.183583, -0.349695]),
]


@pytest.mark.parametrize("name,make,kind,values,grads", LOSSES, ids=[c[0] for c in LOSSES])
def test_losses_match_pytorch(name, make, kind, values, grads):
    loss_fn = make()
    if kind in ("cls", "logp"):
        leaf = torch.tensor(INP, requires_grad=True)
        inp = F.log_softmax(leaf, 1) if kind == "logp" else leaf
        out = loss_fn(inp, torch.tensor(TGT))
    else:
        data, target = {"reg": (REG, RTGT), "prob": (PROB, PTGT), "logit": (REG, PTGT)}[kind]
        leaf = inp = torch.tensor(data, requires_grad=True)
        out = loss_fn(inp, torch.tensor(target))
    out.backward(torch.ones(*out.shape))
    np.testing.assert_allclose(r6(out), values, atol=2e-6)
    np.testing.assert_allclose(r6(leaf.grad), grads, atol=2e-6)


def test_loss_options_and_buffers():
    loss = nn.BCEWithLogitsLoss(pos_weight=torch.ones(1))
    assert list(loss.state_dict()) == ["pos_weight"]
    assert list(nn.CrossEntropyLoss(weight=torch.ones(2)).state_dict()) == ["weight"]
    assert list(nn.CrossEntropyLoss().state_dict()) == []
    assert nn.CrossEntropyLoss().ignore_index == -100
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        assert nn.MSELoss(size_average=False).reduction == "sum"
    with pytest.raises(ValueError, match="foo is not a valid value for reduction"):
        F.l1_loss(torch.ones(2), torch.ones(2), reduction="foo")
    with pytest.warns(UserWarning, match="Using a target size"):
        F.l1_loss(torch.ones(2, 1), torch.ones(2))
    l1 = nn.L1Loss()(torch.tensor([1.0, 2.0], requires_grad=True), torch.zeros(2))
    assert l1.grad_fn.name() == "MeanBackward0"


# --- init ---------------------------------------------------------------------------------------
def test_calculate_gain_and_fans():
    assert nn.init.calculate_gain("linear") == 1 and nn.init.calculate_gain("sigmoid") == 1
    assert nn.init.calculate_gain("tanh") == 5.0 / 3
    assert nn.init.calculate_gain("relu") == math.sqrt(2.0)
    assert nn.init.calculate_gain("leaky_relu") == math.sqrt(2.0 / (1 + 0.01 ** 2))
    assert nn.init.calculate_gain("leaky_relu", math.sqrt(5)) == math.sqrt(2.0 / 6)
    assert nn.init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="Unsupported nonlinearity foo"):
        nn.init.calculate_gain("foo")
    assert nn.init._calculate_fan_in_and_fan_out(torch.zeros(4, 3)) == (3, 4)
    assert nn.init._calculate_fan_in_and_fan_out(torch.zeros(4, 3, 5, 5)) == (75, 100)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        nn.init._calculate_fan_in_and_fan_out(torch.zeros(3))
    with pytest.raises(ValueError, match="Mode fan_foo not supported"):
        nn.init.kaiming_uniform_(torch.zeros(2, 2), mode="fan_foo")


def test_init_fills_in_place_without_recording():
    w = nn.Parameter(torch.zeros(200, 100))
    torch.manual_seed(1)
    assert nn.init.xavier_uniform_(w) is w and w.is_leaf and w.grad_fn is None
    a = math.sqrt(6 / 300)
    vals = w.detach().numpy()
    assert np.abs(vals).max() <= a and np.abs(vals).max() > 0.9 * a
    nn.init.kaiming_normal_(w, nonlinearity="relu")
    assert abs(w.detach().numpy().std() - math.sqrt(2 / 100)) < 0.01
    nn.init.xavier_normal_(w, gain=2.0)
    assert abs(w.detach().numpy().std() - 2 * math.sqrt(2 / 300)) < 0.01
    nn.init.kaiming_uniform_(w, a=math.sqrt(5))
    assert np.abs(w.detach().numpy()).max() <= 1 / math.sqrt(100)
    nn.init.normal_(w, 3.0, 0.5)
    assert abs(w.detach().numpy().mean() - 3.0) < 0.01
    nn.init.uniform_(w, -2.0, -1.0)
    assert w.detach().numpy().min() >= -2.0 and w.detach().numpy().max() < -1.0
    assert nn.init.constant_(w, 0.3).detach().numpy().max() == np.float32(0.3)
    assert nn.init.zeros_(w).detach().numpy().max() == 0.0
    assert nn.init.ones_(w).detach().numpy().min() == 1.0
    assert nn.init.eye_(torch.zeros(2, 3)).tolist() == [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    rng = torch.Generator().manual_seed(5)
    t = nn.init.trunc_normal_(torch.zeros(1000), std=1.0, a=-1.0, b=1.0, generator=rng)
    assert np.abs(t.numpy()).max() <= 1.0
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        nn.init.kaiming_uniform_(torch.zeros(0, 3))


# --- utils --------------------------------------------------------------------------------------
def _grads():
    a, b, c = (nn.Parameter(torch.zeros(2, 2)), nn.Parameter(torch.zeros(3)),
               nn.Parameter(torch.zeros(1)))
    a.grad = torch.tensor([[1.5, -2.0], [0.25, 3.0]])
    b.grad = torch.tensor([-0.5, 4.0, 1.0])
    return [a, b, c]


CLIP = [
    (2.0, 5.706356048583984,
     [0.5257294774055481, -0.7009726166725159, 0.08762157708406448, 1.0514589548110962],
     [-0.17524315416812897, 1.4019452333450317, 0.35048630833625793]),
    (1, 12.25, [0.24489793181419373, -0.3265305757522583, 0.04081632196903229,
                0.48979586362838745],
     [-0.08163264393806458, 0.6530611515045166, 0.16326528787612915]),
    (float("inf"), 4.0,
     [0.7499998211860657, -0.9999997615814209, 0.12499997019767761, 1.4999996423721313],
     [-0.24999994039535522, 1.9999995231628418, 0.49999988079071045]),
    (3.0, 4.695357799530029,
     [0.6389288306236267, -0.851905107498169, 0.10648813843727112, 1.2778576612472534],
     [-0.21297627687454224, 1.703810214996338, 0.4259525537490845]),
]


@pytest.mark.parametrize("norm_type,total,ga,gb", CLIP)
def test_clip_grad_norm_matches_pytorch(norm_type, total, ga, gb):
    params = _grads()
    out = nn.utils.clip_grad_norm_(params, 2.0, norm_type=norm_type)
    assert isinstance(out, torch.Tensor) and out.dim() == 0 and out.dtype == torch.float32
    assert out.item() == pytest.approx(total, rel=1e-6)
    np.testing.assert_allclose(params[0].grad.numpy().ravel(), ga, rtol=1e-6)
    np.testing.assert_allclose(params[1].grad.numpy(), gb, rtol=1e-6)
    assert params[2].grad is None


def test_clip_grad_norm_no_clip_and_errors():
    params = _grads()
    g = params[0].grad
    total = nn.utils.clip_grad_norm_(params, 100.0)
    assert total.item() == pytest.approx(5.706356048583984)
    assert params[0].grad is g and g.tolist() == [[1.5, -2.0], [0.25, 3.0]]
    assert nn.utils.clip_grad_norm_([], 1.0).item() == 0.0
    p = nn.Parameter(torch.ones(2))
    p.grad = torch.tensor([float("inf"), 1.0])
    with pytest.raises(RuntimeError, match="The total norm of order 2.0 for gradients from "
                                           "`parameters` is non-finite"):
        nn.utils.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)


def test_clip_grad_value_and_vector_conversion():
    params = _grads()
    nn.utils.clip_grad_value_(params, 1.0)
    assert params[0].grad.tolist() == [[1.0, -1.0], [0.25, 1.0]]
    assert params[1].grad.tolist() == [-0.5, 1.0, 1.0]
    lin = nn.Linear(2, 2)
    vec = nn.utils.parameters_to_vector(lin.parameters())
    assert vec.shape == (6,) and vec.requires_grad
    nn.utils.vector_to_parameters(torch.arange(6.0), lin.parameters())
    assert lin.weight.tolist() == [[0.0, 1.0], [2.0, 3.0]] and lin.bias.tolist() == [4.0, 5.0]
    with pytest.raises(TypeError, match="expected torch.Tensor, but got: list"):
        nn.utils.vector_to_parameters([1.0], lin.parameters())


# --- hooks --------------------------------------------------------------------------------------
def _hooked_linear():
    lin = nn.Linear(3, 2)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]]))
        lin.bias.copy_(torch.tensor([0.05, -0.05]))
    return lin


def test_forward_and_backward_hooks_match_pytorch():
    lin = _hooked_linear()
    log = []
    handles = [
        lin.register_forward_pre_hook(lambda m, args: (args[0] * 2,)),
        lin.register_forward_hook(lambda m, args, out: out + 1),
        lin.register_full_backward_hook(
            lambda m, gi, go: log.append(("bw", [r6(g).tolist() for g in gi],
                                          [r6(g).tolist() for g in go])) or (gi[0] * 10,)),
        lin.register_full_backward_pre_hook(
            lambda m, go: log.append(("pre", [r6(g).tolist() for g in go]))),
    ]
    x = torch.tensor([[1.0, 2.0, 3.0], [0.5, -1.0, 0.0]], requires_grad=True)
    out = lin(x)
    np.testing.assert_allclose(r6(out), [2.25, 0.15, 1.55, 0.35], atol=1e-6)
    out.backward(torch.tensor([[1.0, 0.0], [0.0, 2.0]]))
    assert log == [("pre", [[1.0, 0.0, 0.0, 2.0]]),
                   ("bw", [[0.1, -0.2, 0.3, 0.8, 1.0, -1.2]], [[1.0, 0.0, 0.0, 2.0]])]
    np.testing.assert_allclose(r6(x.grad), [2.0, -4.0, 6.0, 16.0, 20.0, -24.0], atol=1e-5)
    np.testing.assert_allclose(r6(lin.weight.grad), [2.0, 4.0, 6.0, 2.0, -4.0, 0.0], atol=1e-6)
    for h in handles:
        h.remove()
    x.grad = None
    log.clear()
    out = lin(x)
    out.backward(torch.ones(2, 2))
    np.testing.assert_allclose(r6(out), [0.65, -0.45, 0.3, -0.35], atol=1e-6)
    assert log == [] and r6(x.grad).tolist() == [0.5, 0.3, -0.3, 0.5, 0.3, -0.3]


def test_backward_hook_when_no_input_requires_grad():
    lin = _hooked_linear()
    log = []
    lin.register_full_backward_hook(lambda m, gi, go: log.append((gi, r6(go[0]).tolist())))
    with pytest.warns(UserWarning, match="Full backward hook is firing"):
        lin(torch.ones(1, 3)).backward(torch.ones(1, 2))
    assert log == [((None,), [1.0, 1.0])]
    with pytest.raises(RuntimeError, match="Cannot use both regular backward hooks and full "
                                           "backward hooks"):
        lin.register_backward_hook(lambda *a: None)


def test_forward_hook_order_and_kwargs():
    seq = nn.Sequential(nn.Identity())
    order = []
    seq.register_forward_hook(lambda m, a, o: order.append("a"))
    seq.register_forward_hook(lambda m, a, o: order.append("b"), prepend=True)
    seq.register_forward_pre_hook(lambda m, a, k: order.append(("kw", k)), with_kwargs=True)
    seq(torch.ones(1))
    assert order == [("kw", {}), "b", "a"]


def test_no_warnings_for_plain_training_step():
    model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1))
    x, y = torch.tensor([[0.1, 0.2], [0.3, -0.4]]), torch.tensor([[1.0], [0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = nn.MSELoss()(model(x), y)
        loss.backward()
    assert all(p.grad is not None for p in model.parameters())
