"""The course widgets in a real browser: JupyterLab + Chromium, driven with Playwright.

``widgets.ipynb`` (run by the ``lab_page`` fixture, see conftest.py) shows a ``graph_explorer`` of
``x * w + sin(x)``, a ``derivative_explorer`` of ``sin``, a ``backprop_stepper`` of
``x * x + 3 * x`` at x = 2 and a ``training_dashboard`` of a logistic regression on two seeded
blobs. The tests move sliders with the keyboard (focus the handle, press an arrow key) and press
buttons, then check that the numbers shown and the drawings changed, and that the new numbers are
right. The DOM is found through the toolkit's CSS classes (``course-*``).
Screenshots go to tests/browser/artifacts/.
"""

from __future__ import annotations

import base64
import math
import re
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"  # git-ignored; conftest creates it

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]


def _expect() -> Any:
    from playwright.sync_api import expect
    return expect


def img_src(root: Any, area: str) -> str:
    """The ``src`` of the image in output area ``area`` (an SVG or PNG data URI)."""
    img = root.locator(f".{area} img")
    _expect()(img).to_have_count(1)
    src = img.get_attribute("src")
    assert src and src.startswith("data:image/"), f"no image data in .{area}: {src!r:.80}"
    return src


def svg_text(src: str) -> str:
    """The text of the ``<text>`` elements of an SVG data URI ("" for a PNG: no dot binary)."""
    if not src.startswith("data:image/svg+xml"):
        return ""
    head, _, payload = src.partition(",")
    svg = (base64.b64decode(payload).decode() if head.endswith(";base64")
           else urllib.parse.unquote(payload))
    return " ".join(re.findall(r"<text[^>]*>([^<]*)</text>", svg))


def press(root: Any, slider_class: str, key: str) -> None:
    """Focus a slider's handle and press ``key`` (one step), as a keyboard user would."""
    handle = root.locator(f".{slider_class} .noUi-handle")
    handle.focus()
    handle.press(key)


def readout(root: Any, slider_class: str) -> Any:
    return root.locator(f".{slider_class} .widget-readout")


def number_after(text: str, prefix: str) -> float:
    m = re.search(re.escape(prefix) + r"\s*(-?[0-9.]+(?:e[-+]?\d+)?)", text)
    assert m, f"no number after {prefix!r} in {text!r}"
    return float(m.group(1))


def test_graph_explorer_slider_redraws_graph(lab_page: Any) -> None:
    expect = _expect()
    root = lab_page.locator(".course-graph-explorer")
    expect(root).to_have_count(1)
    label = root.locator(".course-value")
    expect(label).to_contain_text("output = 1.3415")  # 1 * 0.5 + sin(1)
    before_text, before_src = label.text_content(), img_src(root, "course-graph")
    if before_src.startswith("data:image/svg+xml"):
        assert "1.3415" in svg_text(before_src)  # the output node shows its value

    press(root, "course-slider-x", "ArrowRight")  # x: 1.0 -> 1.1 (step 0.1)
    expect(readout(root, "course-slider-x")).to_have_text("1.100")
    x, w = 1.1, 0.5
    out, dx = f"{x * w + math.sin(x):.4f}", f"{w + math.cos(x):.4f}"
    expect(label).to_contain_text(f"output = {out}")
    expect(label).not_to_have_text(before_text)
    assert number_after(label.inner_text(), "d output / d x =") == pytest.approx(
        float(dx), abs=2e-4)
    expect(root.locator(".course-graph img")).not_to_have_attribute("src", before_src)
    after_src = img_src(root, "course-graph")
    text = svg_text(after_src)
    if text:  # the graphviz drawing: its nodes show the new value and gradients
        assert out in text, f"output {out} not in the redrawn graph: {text}"
        assert "1.1000" in text, f"x = 1.1 not in the redrawn graph: {text}"
        assert "1.3415" not in text, "the old output is still drawn"
    root.screenshot(path=str(ARTIFACTS / "graph_explorer.png"))


def test_derivative_explorer_label_and_plot_change(lab_page: Any) -> None:
    expect = _expect()
    root = lab_page.locator(".course-derivative-explorer")
    expect(root).to_have_count(1)
    label = root.locator(".course-value")
    expect(label).to_contain_text("autograd f'(x)")
    before_text, before_src = label.text_content(), img_src(root, "course-plot")
    x0 = number_after(before_text, "x =")

    press(root, "course-x-slider", "ArrowRight")
    expect(label).not_to_have_text(before_text)
    expect(root.locator(".course-plot img")).not_to_have_attribute("src", before_src)
    text = label.inner_text()  # rows as "name<TAB>value<TAB>error"
    x = number_after(text, "x =")
    assert x > x0, f"ArrowRight should increase x: {x0} -> {x}"
    assert float(readout(root, "course-x-slider").inner_text()) == pytest.approx(x, abs=6e-4)
    # the numbers shown are the derivative of sin at the new x
    for row in ("autograd f'(x)", "central difference (f(x+h) - f(x-h)) / 2h", "analytic f'(x)"):
        assert number_after(text, row) == pytest.approx(math.cos(x), abs=2e-4), row
    assert number_after(text, "f(x)") == pytest.approx(math.sin(x), abs=2e-4)

    # the step h: one step left on its log slider, 1e-3 -> 10**-3.1
    before_text, before_src = label.text_content(), img_src(root, "course-plot")
    press(root, "course-h-slider", "ArrowLeft")
    expect(label).not_to_have_text(before_text)
    expect(label).to_contain_text("h = 7.9e-04")
    expect(root.locator(".course-plot img")).not_to_have_attribute("src", before_src)
    root.screenshot(path=str(ARTIFACTS / "derivative_explorer.png"))


def test_backprop_stepper_next_advances(lab_page: Any) -> None:
    expect = _expect()
    root = lab_page.locator(".course-backprop-stepper")
    expect(root).to_have_count(1)
    label = root.locator(".course-value")
    next_button, back_button = root.locator(".course-next"), root.locator(".course-back")
    expect(label).to_contain_text("Step 0 of 4")
    expect(back_button).to_be_disabled()
    src = img_src(root, "course-graph")

    for step in range(1, 5):  # y = x*x + 3*x: AddBackward0, two MulBackward0, then the leaf x
        next_button.click()
        expect(label).to_contain_text(f"Step {step} of 4")
        expect(root.locator(".course-graph img")).not_to_have_attribute("src", src)
        src = img_src(root, "course-graph")
        if step == 1:
            expect(back_button).to_be_enabled()
            assert "AddBackward0 receives gradient 1.0000" in label.inner_text()
            text = svg_text(src)
            assert not text or "grad in 1.0000" in text, f"no received gradient drawn: {text}"
    expect(label).to_contain_text("Done")
    expect(label).to_contain_text("7.0000")  # dy/dx = 2x + 3 at x = 2
    expect(next_button).to_be_disabled()
    root.screenshot(path=str(ARTIFACTS / "backprop_stepper.png"))

    back_button.click()
    expect(label).to_contain_text("Step 3 of 4")
    root.locator(".course-reset").click()
    expect(label).to_contain_text("Step 0 of 4")
    expect(back_button).to_be_disabled()


def test_training_dashboard_trains(lab_page: Any, kernel_traffic: Any) -> None:
    expect = _expect()
    root = lab_page.locator(".course-training-dashboard")
    expect(root).to_have_count(1)
    label = root.locator(".course-value")
    expect(label).to_contain_text("epochs trained: 0")
    start = number_after(label.inner_text(), "loss:")
    src = img_src(root, "course-plot")

    root.locator(".course-train").click()  # 50 epochs of SGD
    expect(label).to_contain_text("epochs trained: 50")
    expect(root.locator(".course-progress .progress-bar")).to_have_attribute(
        "style", re.compile(r"width:\s*100%"))
    expect(root.locator(".course-plot img")).not_to_have_attribute("src", src)
    loss = number_after(label.inner_text(), "loss:")
    assert loss < start / 2, f"training should lower the loss: {start} -> {loss}"

    press(root, "course-epochs-slider", "ArrowRight")  # 50 -> 51 epochs
    expect(readout(root, "course-epochs-slider")).to_have_text("51")
    kernel_traffic.wait_for_echo(lab_page, {"value": 51})  # see conftest.KernelTraffic
    root.locator(".course-train").click()  # continues from the trained parameters
    expect(label).to_contain_text("epochs trained: 101")
    assert number_after(label.inner_text(), "loss:") < loss
    root.screenshot(path=str(ARTIFACTS / "training_dashboard.png"))

    root.locator(".course-reset").click()
    expect(label).to_contain_text("epochs trained: 0")
    assert number_after(label.inner_text(), "loss:") == pytest.approx(start, abs=1e-4)
