"""Interactive explorers for the course (ipywidgets 8), each a widget whose state tests can read.

``derivative_explorer(f, x_range)``, ``graph_explorer(build, x=2.0)``, ``backprop_stepper(y)``,
``training_dashboard(model, loss_fn, X, y)``. Every widget has ``.value`` (a dict of the numbers it
shows) and stable CSS classes (``course-*``) for browser tests; plots are PNG images and graphs SVG
(or the matplotlib fallback) inside ``ipywidgets.Output`` areas.
"""

from .dashboard import TrainingDashboard, training_dashboard
from .derivative import DerivativeExplorer, derivative_explorer
from .graph_explorer import GraphExplorer, graph_explorer
from .stepper import BackpropStepper, backprop_stepper

__all__ = ["derivative_explorer", "graph_explorer", "backprop_stepper", "training_dashboard",
           "DerivativeExplorer", "GraphExplorer", "BackpropStepper", "TrainingDashboard"]
