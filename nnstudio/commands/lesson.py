"""``nnstudio lesson list`` and ``nnstudio lesson run NAME``: the lessons, and a lesson's experiment run
without a window (its outcome checked against the thresholds the lesson file states)."""

from __future__ import annotations

import argparse
import math
import sys

from nnstudio.commands.common import print_json_line
from nnstudio.core.lessons.experiments import run_lesson
from nnstudio.core.lessons.format import LessonError, find_lesson, lesson_files, load_lesson


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("lesson", help="list the lessons, or run a lesson's experiment without a window")
    actions = p.add_subparsers(dest="lesson_command", metavar="ACTION", parser_class=type(p))
    actions.add_parser("list", help="one lesson a line: its name, minutes and title")
    run_p = actions.add_parser("run", help="run a lesson's experiment and check its outcome")
    run_p.add_argument("name", help="a lesson's name (see nnstudio lesson list) or the path of a lesson file")
    run_p.add_argument("--json", action="store_true", help="print the figures and outcome as one JSON line, last")
    return p


def run(args: argparse.Namespace) -> int:
    if args.lesson_command == "list":
        return _list()
    if args.lesson_command == "run":
        return _run(args)
    raise LessonError("", "say what to do: nnstudio lesson list, or nnstudio lesson run NAME")


def _list() -> int:
    lessons, broken = [], 0
    for path in lesson_files():
        try:
            lessons.append(load_lesson(path))
        except LessonError as exc:  # the others still list; the broken one says why on stderr
            print(f"nnstudio lesson: {exc}", file=sys.stderr)
            broken += 1
    width = max((len(lesson.name) for lesson in lessons), default=0)
    for lesson in lessons:
        print(f"{lesson.name:<{width}}  {lesson.minutes:>3} min  {lesson.title} - {lesson.summary}")
    return 2 if broken else 0


def _run(args: argparse.Namespace) -> int:
    lesson = find_lesson(args.name)

    def said(run: str, figures: dict[str, float]) -> None:
        shown = ", ".join(f"{k.split('@')[0]} {'not reached' if math.isnan(v) else f'{v:.4g}'}" for k, v in figures.items())
        print(f"run {run}: {shown}", flush=True)

    result = run_lesson(lesson, on_run=said)
    if args.json:
        print_json_line(result.to_json())
        return 0
    for check in result.checks:
        print(check.sentence())
    print(f"{lesson.title}: {'outcome met' if result.outcome_met else 'outcome not met'}")
    return 0
