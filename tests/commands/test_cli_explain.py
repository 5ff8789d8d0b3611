"""``nnstudio explain``: PNG and JSON from the command line, and errors a student can act on."""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers_interpret import cnn_digits_project, mlp_project
from PIL import Image

from nnstudio.cli import main
from nnstudio.core.project.file_format import save_project


def _last_json(capsys) -> dict:
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def cnn_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("cnn") / "cnn.nnstudio"
    save_project(cnn_digits_project(), path)
    return path


@pytest.mark.parametrize("method", ["ig", "gradcam", "occlusion", "lime"])
def test_explain_writes_an_overlay_png_and_json(cnn_file, tmp_path, capsys, method):
    out = tmp_path / f"{method}.png"
    args = ["explain", str(cnn_file), "--method", method, "--index", "2", "-o", str(out), "--json"]
    if method == "lime":
        args += ["--param", "samples=30", "--param", "segmentation=grid"]
    assert main(args) == 0
    stats = _last_json(capsys)
    assert stats["method"] == method and stats["index"] == 2 and stats["output"] == str(out)
    assert {"sum", "positive_sum", "negative_sum", "target", "predicted"} <= set(stats)
    picture = np.asarray(Image.open(out))
    assert picture.shape[0] >= 256 and picture.shape[2] == 3
    if method == "ig":
        assert abs(stats["convergence_delta"]) < 0.05 * max(abs(stats["sum"]), 1e-3)


def test_explain_tabular_writes_feature_bars(tmp_path, capsys):
    path = tmp_path / "iris.nnstudio"
    save_project(mlp_project("iris"), path)
    out = tmp_path / "bars.png"
    assert main(["explain", str(path), "--method", "kernelshap", "--param", "samples=40", "-o", str(out), "--target", "2"]) == 0
    assert "wrote" in capsys.readouterr().out
    assert Image.open(out).size[0] == 640


def test_explain_errors_are_one_line(cnn_file, tmp_path, capsys):
    untrained = tmp_path / "untrained.nnstudio"
    save_project(mlp_project("iris", trained=False), untrained)
    assert main(["explain", str(untrained), "-o", str(tmp_path / "x.png")]) == 2
    assert "train it first" in capsys.readouterr().err
    assert main(["explain", str(cnn_file), "--index", "9999", "-o", str(tmp_path / "x.png")]) == 2
    assert "outside the test split" in capsys.readouterr().err
    assert main(["explain", str(cnn_file), "--param", "stepz=3", "-o", str(tmp_path / "x.png")]) == 2
    assert "no parameter 'stepz'" in capsys.readouterr().err
    iris = tmp_path / "iris.nnstudio"
    save_project(mlp_project("iris"), iris)
    assert main(["explain", str(iris), "--method", "gradcam", "-o", str(tmp_path / "x.png")]) == 2
    assert "not an image" in capsys.readouterr().err
