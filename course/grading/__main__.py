"""``python -m course.grading SUBMISSIONS -o OUT ...``: the same as ``course grade``."""

from __future__ import annotations

import argparse
import sys

from course.grading.cli import build_parser, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course.grading")
    build_parser(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
