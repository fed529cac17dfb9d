"""Instructor grading of a class: ``course grade SUBMISSIONS -o OUT``.

Each submission runs on a copy in a temporary directory, in its own ipykernel process started
through :mod:`course.grading.launcher` (resource limits and Landlock confinement before exec), with
per-cell and total time limits. Scores come from the ``course.checks`` registry, run again inside
the kernel with the canonical check cells (:mod:`~course.grading.scoring`); results come back on a
per-request nonce channel (:mod:`~course.grading.agent`). Outputs (:mod:`~course.grading.report`):
``gradebook.csv``, ``feedback/<student>.html``, ``run.json``, written atomically; already graded
submissions are skipped (:mod:`~course.grading.cli`).
"""
