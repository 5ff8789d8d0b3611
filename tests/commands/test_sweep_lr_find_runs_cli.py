"""``nnstudio sweep`` stores one run per combination, ``nnstudio runs`` lists and exports them, ``nnstudio lr-find``
suggests a rate; bad values are refused in one line with exit 2."""

from __future__ import annotations

import csv
import json
import math

import pytest
from helpers_checkpoints import exam_folder
from trust_cases import Case, check_case

from nnstudio.cli import main
from nnstudio.core.project.file_format import load_project


def last_json(capsys) -> dict:
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_sweep_keeps_every_trial_as_a_run_and_runs_exports_them(tmp_path, capsys):
    path = exam_folder(tmp_path, epochs=2)
    out = tmp_path / "swept.nnstudio"
    assert main(["sweep", str(path), "--param", "lr=1e-3,1e-2", "--param", "batch_size=16,32", "--epochs", "2",
                 "--save", str(out), "--json"]) == 0
    summary = last_json(capsys)
    trials = [(t["lr"], t["batch_size"]) for t in summary["trials"]]
    assert trials == [(1e-3, 16), (1e-3, 32), (1e-2, 16), (1e-2, 32)]
    best = max(summary["trials"], key=lambda t: t["val_accuracy"])
    assert summary["best"] == best["run"]
    runs = load_project(out).runs
    assert [(r.training.lr, r.training.batch_size, r.epochs) for r in runs] == [(lr, bs, 2) for lr, bs in trials]
    assert [r.metrics["val_accuracy"] for r in runs] == pytest.approx([t["val_accuracy"] for t in summary["trials"]])

    assert main(["runs", str(out)]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split()[:3] == ["run", "name", "status"] and len(table) == 5
    assert table[3].split()[:4] == ["3", "Run", "3", "(sweep)"]

    sheet = tmp_path / "runs.csv"
    assert main(["runs", str(out), "--csv", str(sheet), "--tensorboard", str(tmp_path / "tb")]) == 0
    rows = list(csv.DictReader(sheet.open()))
    assert [(float(r["lr"]), int(r["batch_size"])) for r in rows] == trials
    assert float(rows[2]["val_accuracy"]) == pytest.approx(runs[2].metrics["val_accuracy"])
    assert sorted(p.name for p in (tmp_path / "tb").iterdir())[0].startswith("run-001-")


def test_lr_find_suggests_a_rate_on_the_falling_part_of_the_curve(tmp_path, capsys):
    assert main(["lr-find", str(exam_folder(tmp_path)), "--steps", "60", "--json"]) == 0
    found = last_json(capsys)
    assert found["steps"] <= 60 and math.isfinite(found["suggestion"])
    assert 1e-6 < found["suggestion"] <= found["lowest_loss_lr"] / 10 * (1 + 1e-9)


def _exam(tmp_path) -> str:
    return str(exam_folder(tmp_path))


CASES = [
    Case("sweep value not a number", lambda t: ["sweep", _exam(t), "--param", "lr=1e-3,abc"], 2,
         ("--param lr: 'abc' is not a number",)),
    Case("sweep batch size not whole", lambda t: ["sweep", _exam(t), "--param", "batch_size=16.5"], 2,
         ("not a whole number",)),
    Case("sweep unknown name", lambda t: ["sweep", _exam(t), "--param", "momentum=0.9"], 2,
         ("'momentum' cannot be swept", "lr or batch_size")),
    Case("sweep lr out of range", lambda t: ["sweep", _exam(t), "--param", "lr=0"], 2, ("outside", "range")),
    Case("sweep without values", lambda t: ["sweep", _exam(t), "--param", "lr="], 2, ("needs NAME=V1,V2",)),
    Case("sweep nothing", lambda t: ["sweep", _exam(t)], 2, ("nothing to sweep",)),
    Case("lr-find too few steps", lambda t: ["lr-find", _exam(t), "--steps", "3"], 2, ("--steps must be from 8",)),
    Case("lr-find reversed range", lambda t: ["lr-find", _exam(t), "--start", "1", "--end", "0.1"], 2,
         ("0 < start < end",)),
    Case("runs export without runs", lambda t: ["runs", _exam(t), "--csv", str(t / "r.csv")], 2,
         ("no stored runs to export",)),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_bad_experiment_options_are_refused_in_one_line(case, tmp_path, capsys):
    err = check_case(case, tmp_path, capsys)
    assert err.count("\n") == 1, err
