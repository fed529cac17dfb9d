"""The exercise checkers, one module per chapter (``ch01.py`` ... ``ch08.py``).

Each module registers its exercises with :func:`course.checks.exercise`; ``course.checks.load_all``
imports them all.
"""
