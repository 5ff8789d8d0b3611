"""A project saved by ``nnstudio train --save`` is self-contained: it carries the fitted preprocessing its
weights were trained with (evaluate reuses it, and says so when the data changed), and a save into another
folder re-anchors the data path as Save As does."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from repo_paths import EXAMPLES

from nnstudio.cli import main
from nnstudio.core.data.assemble import prepare as prepare_data
from nnstudio.core.project.file_format import load_project
from nnstudio.core.workspace.document import load_model

EXAMPLE = EXAMPLES / "csv_example"


def run_cli(argv: list[str], capsys) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def example(tmp_path: Path) -> Path:
    for name in ("exam.csv", "exam.json"):
        shutil.copy(EXAMPLE / name, tmp_path / name)
    return tmp_path / "exam.json"


def _metrics(out: str) -> dict[str, tuple[float, float]]:
    splits = json.loads(out)["splits"]
    return {name: (s["accuracy"], s["log_loss"]) for name, s in splits.items()}


def _change_training_rows(folder: Path, project_json: Path) -> None:
    """Triple (plus 20) the hours studied of every training row; validation and test rows stay as they were."""
    data = prepare_data(load_project(project_json).data, folder)
    train = {int(i) for i in data.train_idx}
    lines = (folder / "exam.csv").read_text().splitlines()
    out = [lines[0]]
    for i, line in enumerate(lines[1:]):
        cells = line.split(",")
        if i in train:
            cells[0] = f"{float(cells[0]) * 3 + 20:.1f}"
        out.append(",".join(cells))
    (folder / "exam.csv").write_text("\n".join(out) + "\n")


def test_evaluate_uses_the_stored_statistics_and_says_the_data_changed(example, capsys):
    folder, saved = example.parent, example.parent / "exam.nnstudio"
    assert run_cli(["train", str(example), "--epochs", "2", "--save", str(saved), "--json"], capsys)[0] == 0
    assert load_project(saved).fitted_preprocessing is not None  # the CLI's save stores it, as the window's does
    code, before, err = run_cli(["evaluate", str(saved), "--json"], capsys)
    assert code == 0 and err == ""  # unchanged data: nothing to say

    _change_training_rows(folder, example)
    code, after, err = run_cli(["evaluate", str(saved), "--json"], capsys)
    assert code == 0
    assert err.count("\n") == 1 and err.startswith("nnstudio evaluate: note: the data differs from the data these weights were trained on")
    assert "statistics stored in the project" in err and "train again" in err
    old, new = _metrics(before), _metrics(after)
    # The rows that did not change score exactly as before: they go through the same statistics.
    assert new["validation"] == old["validation"] and new["test"] == old["test"]
    assert new["train"] != old["train"]  # the changed rows are scored as they now are


def test_prepare_without_weights_refits(example):
    """Training starts from the data as it is: the stored statistics only apply to the weights saved with them."""
    project = load_project(example)
    project.fitted_preprocessing = None
    fresh = load_model(project, example.parent, load_weights=False)
    assert fresh.notes == [] and fresh.bundle.pipeline.steps


def test_changed_columns_are_refused_naming_them(example, capsys):
    saved = example.parent / "exam.nnstudio"
    assert run_cli(["train", str(example), "--epochs", "1", "--save", str(saved), "--json"], capsys)[0] == 0
    csv = example.parent / "exam.csv"
    lines = csv.read_text().splitlines()
    csv.write_text("\n".join([lines[0].replace(",result", ",extra,result")]
                             + [line.rsplit(",", 1)[0] + ",1.0," + line.rsplit(",", 1)[1] for line in lines[1:]]) + "\n")
    code, _out, err = run_cli(["evaluate", str(saved)], capsys)
    assert code == 2
    assert "the data's columns are not those the weights were trained on (1 new: 'extra')" in err.lower()
    assert "unexpected error" not in err


def test_train_save_into_another_folder_keeps_the_data_reachable(example, capsys):
    other = example.parent / "elsewhere" / "deeper"
    other.mkdir(parents=True)
    saved = other / "out.nnstudio"
    assert run_cli(["train", str(example), "--epochs", "1", "--save", str(saved), "--json"], capsys)[0] == 0
    stored = Path(load_project(saved).data.params["path"])
    assert (saved.parent / stored).resolve() == (example.parent / "exam.csv").resolve()
    png = example.parent / "ig.png"
    code, out, err = run_cli(["explain", str(saved), "--method", "ig", "--index", "0", "-o", str(png)], capsys)
    assert code == 0, err
    assert png.is_file() and "wrote" in out


def test_train_save_beside_the_data_stays_relative(example, capsys):
    (example.parent / "sub").mkdir()
    shutil.move(example.parent / "exam.csv", example.parent / "sub" / "exam.csv")
    spec = json.loads(example.read_text())
    spec["data"]["params"]["path"] = "sub/exam.csv"
    example.write_text(json.dumps(spec))
    saved = example.parent / "sub" / "out.nnstudio"
    assert run_cli(["train", str(example), "--epochs", "1", "--save", str(saved), "--json"], capsys)[0] == 0
    assert load_project(saved).data.params["path"] == "exam.csv"  # relative to its new folder, so the folder can move


def test_a_class_the_weights_never_saw_is_refused_naming_it(example, capsys):
    saved = example.parent / "exam.nnstudio"
    assert run_cli(["train", str(example), "--epochs", "1", "--save", str(saved), "--json"], capsys)[0] == 0
    csv = example.parent / "exam.csv"
    csv.write_text(csv.read_text().replace(",pass\n", ",ok\n", 3))
    code, _out, err = run_cli(["evaluate", str(saved)], capsys)
    assert code == 2 and err.count("\n") == 1
    assert "the trained weights do not fit this data (3 classes: 'fail', 'ok', 'pass')" in err.lower()
    assert "restore the data they were trained on, or train again" in err and "unexpected error" not in err
