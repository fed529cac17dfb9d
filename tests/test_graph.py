"""course.graph: graph model, deterministic DOT text, names, gradients, matplotlib fallback."""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import graphviz  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import autograd_lite as torch  # noqa: E402
from course import graph  # noqa: E402
from course._graph_model import build_model, fmt_tensor  # noqa: E402
from course._graph_mpl import layers, order_layers, split_long_edges  # noqa: E402


def labels_of(source: str) -> dict[str, str]:
    return dict(re.findall(r'^\s*(n\d+) \[label="?(.*?)"? (?:color|fillcolor)', source, re.M))


def edges_of(source: str) -> list[tuple[str, str]]:
    return re.findall(r"^\s*(n\d+) -> (n\d+)", source, re.M)


def sin_sq():
    x = torch.tensor(2.0, requires_grad=True)
    return x, torch.sin(x ** 2)


def test_sin_of_square_exact_dot(with_dot):
    x, y = sin_sq()
    g = graph.draw_graph(y, names={"x": x})
    assert isinstance(g, graphviz.Digraph)
    assert g.source == (
        "digraph computation_graph {\n"
        "\tgraph [bgcolor=white rankdir=LR]\n"
        "\tnode [fontname=Helvetica fontsize=11 shape=box style=\"filled,rounded\"]\n"
        "\tedge [arrowsize=0.7 fontname=Helvetica fontsize=10]\n"
        "\tn0 [label=\"output\\nvalue -0.7568\" fillcolor=darkolivegreen1]\n"
        "\tn1 [label=SinBackward0 fillcolor=lightgrey style=filled]\n"
        "\tn2 [label=PowBackward0 fillcolor=lightgrey style=filled]\n"
        "\tn3 [label=\"x\\nvalue 2.0000\" fillcolor=lightblue]\n"
        "\tn1 -> n0\n\tn2 -> n1\n\tn3 -> n2\n}\n")


def test_grads_appear_after_backward(with_dot):
    x, y = sin_sq()
    before = graph.draw_graph(y, names={"x": x}).source
    assert "grad" not in before
    y.backward()
    after = labels_of(graph.draw_graph(y, names={"x": x}).source)
    assert after["n3"] == "x\\nvalue 2.0000\\ngrad -2.6146"  # 2x cos(x^2) at x = 2
    assert "grad" not in graph.draw_graph(y, names={"x": x}, show_grad=False).source
    assert "value" not in graph.draw_graph(y, names={"x": x}, show_data=False).source


def test_same_graph_gives_same_source_twice(with_dot):
    sources = []
    for _ in range(2):
        x, y = sin_sq()
        sources.append(graph.draw_graph(y, names={"x": x}).source)
        sources.append(graph.draw_graph(y, names={"x": x}).source)
    assert len(set(sources)) == 1
    assert "0x" not in sources[0]  # no memory addresses


def perceptron():
    w = torch.tensor([0.5, -1.0], requires_grad=True)
    b = torch.tensor(0.1, requires_grad=True)
    X = torch.tensor([[1.0, 2.0], [-1.0, 0.5], [2.0, 1.0]])
    t = torch.tensor([1.0, 0.0, 1.0])
    z = X @ w + b
    p = torch.sigmoid(z)
    loss = ((p - t) ** 2).mean()
    return w, b, z, loss


def test_perceptron_loss_names_and_intermediates(with_dot):
    w, b, z, loss = perceptron()
    src = graph.draw_graph(loss, names={"w": w, "b": b, "z": z, "loss": loss}).source
    labels = labels_of(src)
    by_title = {v.split("\\n")[0]: k for k, v in labels.items()}
    for title in ("loss", "w", "b", "z", "MeanBackward0", "PowBackward0", "SubBackward0",
                  "SigmoidBackward0", "AddBackward0", "MvBackward0"):
        assert title in by_title, title
    e = set(edges_of(src))
    # z is drawn between the op that made it and the op that uses it
    assert (by_title["AddBackward0"], by_title["z"]) in e
    assert (by_title["z"], by_title["SigmoidBackward0"]) in e
    assert (by_title["w"], by_title["MvBackward0"]) in e
    assert (by_title["b"], by_title["AddBackward0"]) in e
    assert labels[by_title["w"]] == "w\\nvalue [0.5000, -1.0000]"
    loss.backward()
    src = graph.draw_graph(loss, names={"w": w, "b": b}).source
    assert "grad " + fmt_tensor(w.grad) in src and "grad " + fmt_tensor(b.grad) in src
    assert "z\\n" not in src  # without the name, z is not drawn as a tensor node


def test_reused_node_gives_two_edges(with_dot):
    x = torch.tensor(3.0, requires_grad=True)
    y = x * x
    src = graph.draw_graph(y, names={"x": x}).source
    assert edges_of(src).count(("n2", "n1")) == 2
    assert labels_of(src)["n1"] == "MulBackward0"


def test_diamond_shares_the_middle_node(with_dot):
    x = torch.tensor(1.5, requires_grad=True)
    a = torch.exp(x)
    y = torch.sin(a) + torch.cos(a)
    src = graph.draw_graph(y, names={"x": x, "a": a}).source
    labels = labels_of(src)
    a_ids = [k for k, v in labels.items() if v.startswith("a\\n")]
    assert len(a_ids) == 1
    out_of_a = [d for s, d in edges_of(src) if s == a_ids[0]]
    assert sorted(labels[d] for d in out_of_a) == ["CosBackward0", "SinBackward0"]
    model = build_model(y, {"x": x, "a": a})
    assert [model.node(i).title for i in model.backward_order()] == [
        "AddBackward0", "CosBackward0", "SinBackward0", "ExpBackward0", "x"]


def test_backward_order_matches_the_engine():
    x = torch.tensor(0.7, requires_grad=True)
    a = x * 2
    b = torch.sin(a)
    c = torch.cos(a)
    y = b * c + a
    ran = []
    model = build_model(y)
    for n in model.nodes:
        if n.kind == "op":
            n.fn.register_prehook(lambda g, name=n.id: ran.append(name))
    y.backward()
    assert [i for i in model.backward_order() if model.node(i).kind == "op"] == ran


def test_leaf_and_tensor_vectors_formatting(with_dot):
    w = torch.arange(6.0).reshape(2, 3).requires_grad_()
    s = w.sum()
    labels = labels_of(graph.draw_graph(s, names={"w": w}).source)
    assert labels["n2"] == "w\\nvalue (2, 3) [0.0000, 1.0000, 2.0000, ...]"
    assert fmt_tensor(torch.tensor(4.0)) == "4.0000"
    assert fmt_tensor(torch.tensor([1e-7, 2e6])) == "[1.000e-07, 2.000e+06]"
    leaf = graph.draw_graph(w, names={"w": w}).source
    assert len(labels_of(leaf)) == 1


def test_rankdir_is_passed_and_checked(with_dot):
    x, y = sin_sq()
    assert "rankdir=TB" in graph.draw_graph(y, rankdir="TB").source
    with pytest.raises(ValueError, match="rankdir must be one of"):
        graph.draw_graph(y, rankdir="sideways")


def test_bad_input_errors():
    with pytest.raises(TypeError, match="expects an autograd_lite Tensor.*got list"):
        graph.draw_graph([1.0, 2.0])
    x, y = sin_sq()
    with pytest.raises(TypeError, match=r"names must be a dict"):
        graph.draw_graph(y, names=[x])
    with pytest.raises(TypeError, match=r"names\['x'\] must be a Tensor, got float"):
        graph.draw_graph(y, names={"x": 2.0})


def test_svg_renders(with_dot):
    x, y = sin_sq()
    svg = graph.draw_graph(y, names={"x": x}).pipe(format="svg", encoding="utf-8")
    assert "<svg" in svg and "PowBackward0" in svg and ">x<" in svg


def test_fallback_returns_figure_and_prints_once(no_dot, capsys):
    w, b, z, loss = perceptron()
    fig = graph.draw_graph(loss, names={"w": w, "b": b, "z": z})
    assert isinstance(fig, Figure)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "MeanBackward0" in texts and any(t.startswith("w\n") for t in texts)
    assert len(fig.axes[0].patches) == len(build_model(loss, {"w": w, "b": b, "z": z}).nodes)
    graph.draw_graph(loss, rankdir="TB")
    out = capsys.readouterr()
    assert out.out.count("apt-get install graphviz") == 1
    assert "brew install graphviz" in out.out and "conda install graphviz" in out.out
    assert out.out.strip().count("\n") == 0  # one sentence, one line
    assert out.err == ""


def test_fallback_env_variable(monkeypatch):
    monkeypatch.setattr(graph, "FORCE_NO_DOT", False)
    monkeypatch.setenv("COURSE_NO_DOT", "1")
    assert not graph.dot_available()


def test_fallback_layout_is_layered():
    x = torch.tensor(1.0, requires_grad=True)
    a = x * x
    y = a * (a + x)
    model = build_model(y, {"x": x, "a": a})
    lay = layers(model)
    for s, d in model.edges:
        assert lay[d] > lay[s]  # every edge points forward
    lay2, edges, paths = split_long_edges(model, lay)
    for s, d in edges:
        assert lay2[d] == lay2[s] + 1  # long edges were split into unit steps
    rows = order_layers([n.id for n in model.nodes] + [k for k in lay2 if k.startswith("~")],
                        edges, lay2)
    assert sorted(sum(rows, [])) == sorted(lay2)
    for rankdir in ("LR", "TB", "RL", "BT"):
        assert isinstance(graph.render(model, {n.id: ["n"] for n in model.nodes}, None,
                                       rankdir, force_mpl=True), Figure)
