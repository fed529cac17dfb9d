"""
The teaching toolkit around autograd_lite: graphs, plots, widgets, checks, release and grading.
"""

__version__ = "0.1.0"
