"""Labels match pictures: the latent map's caption says the variance its 2 axes really keep and that most
units never fire; the Live attributions view's label, slider and map show the same epoch, and a new run
does not leave the last run's map under the 'appears after the first epoch' hint."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import torch
from sklearn.decomposition import PCA
from torch import nn

from nnstudio.core.interpret.internals import Latent, kept_share_text, latent_space
from nnstudio.core.interpret.live import LiveFrame
from nnstudio.core.interpret.subject import Subject
from nnstudio.gui.panels.interpret.jobs import Source
from nnstudio.gui.panels.interpret.latent_view import LatentView
from nnstudio.gui.panels.interpret.live_view import LiveView

HINT = "the map appears after the first epoch"


def _latent_view(qtbot, subject: Subject) -> LatentView:
    view = LatentView()
    qtbot.addWidget(view)
    view.source = Source(subject=subject)
    return view


def test_latent_caption_says_the_kept_variance_and_the_dead_units(qtbot):
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(30, 16), nn.ReLU(), nn.Linear(16, 2))
    with torch.no_grad():
        net[0].bias[4:] = -1e3  # 12 of 16 units never fire
    x = np.random.default_rng(1).normal(size=(120, 30)).astype(np.float32)
    y = np.arange(120) % 2
    subject = Subject((30,), "classification", "float", ["benign", "malignant"], [f"f{i}" for i in range(30)])
    latent = latent_space(net, subject, x, y, "1")
    view = _latent_view(qtbot, subject)
    view.show_result(latent)
    hidden = torch.relu(net[0](torch.as_tensor(x))).detach().double().numpy()
    kept = kept_share_text(float(PCA(2).fit(hidden).explained_variance_ratio_.sum()))
    text = view.status.text()
    assert "(16 numbers each)" in text and f"keeping {kept} of the variance." in text
    assert "12 of 16 units never fire on this data; the map shows the other 4." in text


def test_latent_caption_never_rounds_up_to_all_the_variance(qtbot):
    subject = Subject((30,), "classification", "float", ["benign", "malignant"], [f"f{i}" for i in range(30)])
    points = np.random.default_rng(0).normal(size=(10, 2))
    latent = Latent("1", "pca", points, np.arange(10) % 2, np.arange(10) % 2, 16, 0.9962, 0)
    view = _latent_view(qtbot, subject)
    view.show_result(latent)
    assert "keeping 99.6% of the variance." in view.status.text()
    assert "100%" not in view.status.text() and "never fire" not in view.status.text()


def _frame(epoch: int) -> LiveFrame:
    heat = np.random.default_rng(epoch).normal(size=(8, 8))
    return LiveFrame(epoch, heat, heat[None], "ig", "3", 3, 0.9, {"epoch": epoch, "val_loss": 1.0 / epoch})


def _agree(view: LiveView, epoch: int, index: int) -> None:
    """The label, the slider and the map all show ``epoch``, the ``index``-th frame; no hint left over."""
    assert view.epoch_label.text().startswith(f"<b>Epoch {epoch}</b>")
    assert HINT not in view.epoch_label.text()
    assert view.slider.value() == index and view.slider.maximum() == len(view.frames) - 1
    assert view.overlay.title.text() == f"Epoch {epoch}" and view.overlay.normalized_heat() is not None


def test_live_label_slider_and_map_show_the_same_epoch_across_runs(main_window, qtbot):
    main_window.show_tab("interpret")
    view = main_window.tabs.panel("interpret").findChild(LiveView)
    bundle = main_window.document.bundle()
    trainer = SimpleNamespace(bundle=bundle, model=nn.Sequential(nn.Flatten(), nn.Linear(64, 10)))
    callbacks = view.callbacks_for_run(trainer)
    assert len(callbacks) == 1 and HINT in view.epoch_label.text()
    for epoch in (1, 2, 3):
        view._on_frame(_frame(epoch))
    _agree(view, 3, 2)
    view.slider.setValue(0)  # replaying the first epoch
    _agree(view, 1, 0)
    view.slider.setValue(2)
    # A new run: the slider and hint reset, and the last run's "Epoch 3" map is gone with them.
    view.callbacks_for_run(trainer)
    assert HINT in view.epoch_label.text() and view.slider.value() == 0 and not view.slider.isEnabled()
    assert view.overlay.title.text() == "" and view.overlay.normalized_heat() is None
    view._on_frame(_frame(1))
    _agree(view, 1, 0)
    # An epoch whose map failed shows no earlier epoch's map under its label.
    failed = _frame(2)
    failed.error = "the attribution failed"
    view._on_frame(failed)
    assert view.epoch_label.text() == "Epoch 2: the attribution failed"
    assert view.overlay.normalized_heat() is None and view.slider.value() == 1
