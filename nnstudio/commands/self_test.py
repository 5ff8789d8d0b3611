"""``nnstudio self-test``: prove this install works end to end, offscreen, in well under a minute.

Opens the real main window offscreen, builds the default project, trains one epoch through the Training
tab, computes one Captum attribution and saves and reopens a project in a temporary folder. Each check
prints one line; the first failure names its check and the exit code is 1. The frozen app's smoke test
(packaging/smoke_test.sh) and CI (tests/test_self_test.py, with an offline audit) both run it.

Qt is imported inside :func:`run` (torch first, as in the entry point) so ``nnstudio.cli`` stays Qt-free.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

FAILED = 1


class CheckFailed(Exception):
    """A check's own, readable reason for failing."""


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("self-test", help="check this install offscreen: window, training, attribution, project files")
    p.add_argument("--timeout", type=float, default=300.0, help="seconds the one-epoch training may take (default 300)")
    return p


def versions() -> dict[str, str]:
    """The versions the About dialog shows (torch imported first, Captum not imported at all)."""
    from importlib.metadata import PackageNotFoundError, version

    from nnstudio import __version__

    def dist(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "not installed"

    import PySide6  # the package only (no Qt library yet); a frozen app has no PySide6 metadata
    import torch

    return {
        "nnstudio": __version__,
        "Python": platform.python_version(),
        "PyTorch": torch.__version__,
        "Qt": PySide6.__version__,
        "Captum": dist("captum"),
    }


def run(args: argparse.Namespace) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import torch  # noqa: F401 - before Qt: on Windows, recent torch fails to load once Qt is in

    print("nnstudio self-test · " + " · ".join(f"{k} {v}" for k, v in versions().items()), flush=True)
    with tempfile.TemporaryDirectory(prefix="nnstudio-self-test-") as tmp:
        test = SelfTest(Path(tmp), args.timeout)
        try:
            return test.run_all()
        finally:
            test.close()


class SelfTest:
    def __init__(self, folder: Path, timeout: float) -> None:
        self.folder = folder
        self.timeout = timeout
        self.app: Any = None
        self.window: Any = None
        self.outcome: Any = None

    def run_all(self) -> int:
        checks: list[tuple[str, Callable[[], str]]] = [
            ("resources", self.check_resources),
            ("main window", self.check_window),
            ("default project", self.check_default_project),
            ("train one epoch", self.check_training),
            ("attribution", self.check_attribution),
            ("save and reopen", self.check_save_reopen),
        ]
        total = time.perf_counter()
        for name, check in checks:
            start = time.perf_counter()
            try:
                detail = check()
            except CheckFailed as exc:
                return self._fail(name, str(exc))
            except Exception as exc:  # noqa: BLE001 - a self-test reports every failure as a failed check
                return self._fail(name, f"{type(exc).__name__}: {exc}")
            print(f"  ok    {name:<16} {detail} ({time.perf_counter() - start:.1f} s)", flush=True)
        print(f"self-test passed: {len(checks)} checks in {time.perf_counter() - total:.1f} s", flush=True)
        return 0

    def _fail(self, name: str, reason: str) -> int:
        print(f"  FAIL  {name:<16} {reason}", flush=True)
        print(f"self-test FAILED at check '{name}': {reason}", file=sys.stderr, flush=True)
        return FAILED

    # ------------------------------------------------------------------ checks
    def check_resources(self) -> str:
        from nnstudio.resources import icon_files, resources_dir

        icons = icon_files()
        if not icons:
            raise CheckFailed(f"no app icon found in {resources_dir() / 'icons'}; the install is missing resources/")
        return f"{len(icons)} icon sizes in {resources_dir()}"

    def check_window(self) -> str:
        from PySide6.QtWidgets import QApplication

        from nnstudio.gui.app import configure_app, create_main_window
        from nnstudio.gui.settings_store import SettingsStore

        self.app = QApplication.instance() or QApplication([sys.argv[0]])
        configure_app(self.app)
        # As the app starts it (data loading after the first paint), with settings in the temp folder:
        # the self-test never touches the user's recent files or window geometry.
        self.window = create_main_window(SettingsStore(self.folder / "settings.ini"))
        self.window.show()
        deadline = time.perf_counter() + 60
        while self.window.document.data_deferred and time.perf_counter() < deadline:
            self._process_events()
        if not self.window.isVisible():
            raise CheckFailed("the main window did not show")
        if self.window.document.data_deferred:
            raise CheckFailed("the window never painted, so the default project's data never loaded")
        if self.app.windowIcon().isNull():
            raise CheckFailed("the application has no icon")
        tabs = [self.window.tabs.tabText(i) for i in range(self.window.tabs.count())]
        self._no_error_dialog()
        return f"{self.app.platformName()} platform, {self.window.width()}x{self.window.height()}, tabs: {', '.join(tabs)}"

    def check_default_project(self) -> str:
        from nnstudio.core.base.errors import format_shape
        from nnstudio.core.project.spec import default_project

        self.window.document.replace(default_project())
        self._process_events()
        bundle = self.window.document.bundle()
        built = self.window.document.built()
        return (
            f"{self.window.document.project.name}: {format_shape(bundle.input_shape)} input, "
            f"{len(bundle.train)} training examples, {built.total_params:,} parameters"
        )

    def check_training(self) -> str:
        from PySide6.QtCore import QEventLoop, QObject, QTimer, Slot

        from nnstudio.core.training.engine import COMPLETED

        panel = self.window.training_panel
        loop = QEventLoop()

        class Waiter(QObject):  # a slot on a GUI-thread QObject, never a lambda (see gui/worker.py)
            @Slot(object)
            def finished(inner, outcome: object) -> None:  # noqa: N805 - reads the enclosing self
                self.outcome = outcome
                loop.quit()

        waiter = Waiter()
        panel.run_finished.connect(waiter.finished)
        panel.epochs.setValue(1)
        panel.train_button.click()
        if not panel.runner.running and self.outcome is None:
            self._no_error_dialog()
            raise CheckFailed("pressing Train did not start a run")
        timer = QTimer(singleShot=True)
        timer.timeout.connect(loop.quit)
        timer.start(int(self.timeout * 1000))
        if self.outcome is None:
            loop.exec()
        panel.run_finished.disconnect(waiter.finished)
        if self.outcome is None:
            panel.shutdown()
            raise CheckFailed(f"one epoch did not finish within {self.timeout:g} s")
        result = self.outcome.result
        if result is None:
            raise CheckFailed(f"training failed: {self.outcome.error}")
        if result.status != COMPLETED or result.epochs != 1:
            raise CheckFailed(f"the run ended as '{result.status}' after {result.epochs} epochs: {result.message}")
        if not self.window.document.project.weights:
            raise CheckFailed("the trained weights did not reach the project")
        self._no_error_dialog()
        shown = ", ".join(f"{k} {v[-1]:.3f}" for k, v in result.history.items() if k in ("train_loss", "val_loss", "val_accuracy"))
        return f"{shown} (progress bar: '{panel.progress.text()}')"

    def check_attribution(self) -> str:
        import numpy as np

        from nnstudio.core.interpret.explain import explain
        from nnstudio.core.interpret.subject import Subject

        doc = self.window.document
        model = doc.trained_model()
        if model is None:
            raise CheckFailed("no trained model to explain")
        bundle = doc.bundle()
        attribution = explain(model, Subject.from_model(model, bundle), bundle.test.x[0], "ig")  # Captum underneath
        values = attribution.values
        if values.shape != tuple(bundle.input_shape) or not np.isfinite(values).all():
            raise CheckFailed(
                f"Integrated Gradients gave shape {values.shape} (expected {tuple(bundle.input_shape)}) or non-finite values"
            )
        relative = attribution.stats().get("relative_delta")
        if relative is not None and abs(relative) > 0.05:
            raise CheckFailed(f"Integrated Gradients did not add up to the prediction (relative convergence delta {relative:.3g})")
        return (
            f"{attribution.title} for class {attribution.target_name}: {values.size} values, "
            f"convergence delta {attribution.delta or 0.0:.2e}"
        )

    def check_save_reopen(self) -> str:
        import torch

        doc = self.window.document
        path = self.folder / "self-test.nnstudio"
        before = {k: v.clone() for k, v in doc.project.weights.items()}
        x = doc.bundle().test.x[:8]
        with torch.no_grad():
            expected = doc.trained_model()(x)
        if not self.window.save_to(path):
            self._no_error_dialog()
            raise CheckFailed(f"saving to {path} failed")
        doc.replace(doc.project.__class__())  # forget it, so reopening really reads the file
        if not self.window.open_path(path, confirmed=True):
            self._no_error_dialog()
            raise CheckFailed(f"reopening {path} failed")
        self._process_events()
        weights = doc.project.weights or {}
        if set(weights) != set(before) or not all(torch.equal(weights[k], before[k]) for k in before):
            raise CheckFailed("the reopened project's weights differ from the saved ones")
        with torch.no_grad():
            again = doc.trained_model()(doc.bundle().test.x[:8])
        if not torch.allclose(expected, again):
            raise CheckFailed("the reopened network predicts differently from the saved one")
        return f"{path.name}: {path.stat().st_size / 1024:.0f} KB, {len(weights)} tensors, same predictions"

    # ------------------------------------------------------------------ helpers
    def _process_events(self) -> None:
        from PySide6.QtWidgets import QApplication

        for _ in range(3):
            QApplication.processEvents()

    def _no_error_dialog(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        for box in self.window.findChildren(QMessageBox):
            if box.objectName() == "errorDialog" and box.isVisible():
                raise CheckFailed(f"the window showed an error: {box.windowTitle()}: {box.text()}")

    def close(self) -> None:
        if self.window is not None:
            self.window.training_panel.shutdown()
            self.window.document.set_modified(False)  # no save prompt
            self.window.close()
            self.window.deleteLater()
            self._process_events()
            self.window = None

