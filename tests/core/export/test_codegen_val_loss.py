"""Exported code (``exact``) trains like the app, loss included: for every template, the exported script's validation
loss (and accuracy or RMSE) after each epoch equals the app's, not only its final accuracy.

The script is run in this process (``runpy``), so both runs share the thread settings and the comparison
can be tight: the script reproduces the app's data, seeds, batches and loss. Not bit for bit: the app
steps Adam with torch's fused kernel and the script with its default one, whose roundings differ and
grow over an epoch (about 1e-4 of the loss after two epochs on SimpleNN 28x28), so losses are compared to
LOSS_RTOL and accuracies to one validation example. test_codegen.py runs exported scripts as programs."""

from __future__ import annotations

import runpy

import pytest
import torch

from nnstudio.core.export.codegen import export_project
from nnstudio.core.project.templates import TEMPLATES
from nnstudio.core.workspace.session import train_project

EPOCHS = 2
LOSS_RTOL = 2e-3  # far below what a wrong reduction, loss or label smoothing changes


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_exported_script_has_the_apps_validation_loss(tmp_path, name):
    project = TEMPLATES[name].project()
    project.training.device = "cpu"
    app = train_project(project, epochs=EPOCHS).history
    written = export_project(project, tmp_path / f"{name}.py", exact=True)
    script = runpy.run_path(str(written[0]), run_name="exported")
    threads = torch.get_num_threads()
    try:
        _, history = script["train"](EPOCHS)
    finally:
        torch.set_num_threads(threads)
    assert len(history) == EPOCHS == len(app["val_loss"])
    one_example = 1.0 / len(script["load_data"]()[3]) + 1e-6
    for epoch, row in enumerate(history):
        assert row["loss"] == pytest.approx(app["val_loss"][epoch], rel=LOSS_RTOL), f"epoch {epoch + 1}"
        if "accuracy" in row:
            assert row["accuracy"] == pytest.approx(app["val_accuracy"][epoch], abs=one_example), f"epoch {epoch + 1}"
        else:
            assert row["rmse"] == pytest.approx(app["val_rmse"][epoch], rel=LOSS_RTOL), f"epoch {epoch + 1}"
    assert app["val_loss"][-1] != app["val_loss"][0]  # the second epoch trained: a real comparison
