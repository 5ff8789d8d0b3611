"""A GAN session run as the Training tab runs it (train_to with a TrainingControl): the same epochs as fit for the
same seed, Continue carrying on the same networks, Stop before an epoch, Step training one whole epoch; and
gan_problem naming what does not fit."""

from __future__ import annotations

import threading

import torch

from nnstudio.core.generative.gan_spec import DISCRIMINATOR
from nnstudio.core.project.gan_templates import gan_ring
from nnstudio.core.project.spec import Project
from nnstudio.core.training.control import TrainingControl
from nnstudio.core.training.state import COMPLETED, STOPPED
from nnstudio.core.workspace.gan_session import GanSession, gan_problem


def _project(epochs: int = 4) -> Project:
    project = Project.from_dict(gan_ring().to_dict())
    project.training.epochs = epochs
    return project


def test_train_to_gives_the_epochs_of_fit_and_continue_carries_on():
    headless = GanSession.open(_project(), use_weights=False)
    headless.fit(6)
    session = GanSession.open(_project(), use_weights=False)
    seen: list[float] = []
    first = session.train_to(4, on_epoch=lambda m: seen.append(m["epoch"]))
    assert (first.status, first.epochs, seen) == (COMPLETED, 4, [1.0, 2.0, 3.0, 4.0])
    more = session.train_to(6)  # Continue: 2 more epochs of the same networks
    assert more.status == COMPLETED and more.epochs == 6 and more.seconds >= first.seconds
    assert session.history()["d_loss"] == headless.trainer.history["d_loss"]  # bit for bit, as nnstudio train
    assert session.history()["epoch"] == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    weights, expected = session.trainer.weights(), headless.trainer.weights()
    assert all(torch.equal(weights[k], expected[k]) for k in expected)


def test_stop_before_an_epoch_and_step_one_epoch():
    session = GanSession.open(_project(), use_weights=False)
    control = TrainingControl()
    control.request_stop()
    result = session.train_to(4, control)
    assert (result.status, result.epochs, result.message) == (STOPPED, 0, "Stopped by the user")

    control = TrainingControl()
    control.pause()
    done: list[float] = []
    worker = threading.Thread(target=lambda: done.append(session.train_to(50, control).epochs))
    worker.start()
    try:
        for _ in range(2):  # Step: exactly one more epoch, then parked again
            before = session.trainer.epochs_done
            control.step(1)
            for _ in range(500):
                if control.parked and session.trainer.epochs_done == before + 1:
                    break
                threading.Event().wait(0.01)
            assert session.trainer.epochs_done == before + 1
    finally:
        control.request_stop()
        worker.join(30)
    assert done == [2]


def test_gan_problem_names_what_does_not_fit():
    project = _project()
    assert gan_problem(project, (2,)) is None
    assert gan_problem(project, (3,)) == ("The generator makes samples of shape 2, but the data's samples are 3; make "
                                          "its last layer give 3")
    del project.networks[DISCRIMINATOR]
    assert "is not a GAN project" in gan_problem(project, (2,))
