"""The GAN's core: mode coverage on the 8-mode ring, alternating updates that each move one network only,
training that brings the samples closer to the data, and the project file holding the second network."""

from __future__ import annotations

import json

import pytest
import torch

from nnstudio.core.base.errors import SpecError
from nnstudio.core.data.mixtures import ring_centres
from nnstudio.core.generative.coverage import coverage, energy_distance
from nnstudio.core.generative.gan import PREFIX, one_thread, split_weights
from nnstudio.core.project.gan_templates import gan_ring
from nnstudio.core.project.spec import SCHEMA_VERSION, Project, default_project
from nnstudio.core.workspace.gan_session import GanSession


def _ring(n: int, modes: list[int], seed: int, spread: float = 0.05) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    labels = torch.tensor(modes)[torch.arange(n) % len(modes)]
    centres = torch.as_tensor(ring_centres(8, 2.0), dtype=torch.float32)
    return centres[labels] + spread * torch.randn(n, 2, generator=g), labels


def test_coverage_is_one_eighth_for_one_mode_and_one_for_all_eight():
    real, modes = _ring(1000, list(range(8)), seed=0)
    one, _ = _ring(500, [3], seed=1)
    every, _ = _ring(500, list(range(8)), seed=2)
    assert coverage(real, modes, one) == pytest.approx(1 / 8)
    assert coverage(real, modes, every) == pytest.approx(1.0)


def test_coverage_counts_a_mode_only_with_its_share_of_samples():
    real, modes = _ring(1000, list(range(8)), seed=0)
    one, _ = _ring(500, [3], seed=1)
    stray, _ = _ring(3, [5], seed=3)  # 3 of 503 samples: far under a fifth of the 63 a mode would get
    assert coverage(real, modes, torch.cat([one, stray])) == pytest.approx(1 / 8)
    half, _ = _ring(500, [0, 2, 4, 6], seed=4)
    assert coverage(real, modes, half) == pytest.approx(0.5)
    between = torch.as_tensor(ring_centres(8, 2.0)[:1] * 0.5, dtype=torch.float32).repeat(100, 1)  # off every mode
    assert coverage(real, modes, between) == 0.0


def test_energy_distance_is_zero_for_one_distribution_and_grows_with_a_shift():
    a, _ = _ring(400, list(range(8)), seed=0)
    b, _ = _ring(400, list(range(8)), seed=1)
    assert abs(energy_distance(a, b)) < 0.02
    assert energy_distance(a, b + 1.0) > 0.5


@pytest.fixture
def session() -> GanSession:
    return GanSession.open(Project.from_dict(gan_ring().to_dict()))


def _snapshot(module: torch.nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in module.parameters()]


def _moved(before: list[torch.Tensor], module: torch.nn.Module) -> bool:
    return any(not torch.equal(a, b) for a, b in zip(before, module.parameters(), strict=True))


def test_step_d_moves_only_the_discriminator_and_step_g_only_the_generator(session):
    trainer = session.trainer
    g0, d0 = _snapshot(trainer.generator), _snapshot(trainer.discriminator)
    trainer.step_d()
    assert _moved(d0, trainer.discriminator) and not _moved(g0, trainer.generator)
    g1, d1 = _snapshot(trainer.generator), _snapshot(trainer.discriminator)
    trainer.step_g()
    assert _moved(g1, trainer.generator) and not _moved(d1, trainer.discriminator)
    assert (trainer.d_steps_done, trainer.g_steps_done) == (1, 1)


def test_training_brings_the_samples_closer_to_the_data(session):
    start = session.trainer.measure()["distance"]
    session.fit(30)
    end = session.trainer.history["distance"][-1]
    assert end < 0.5 * start, (start, end)
    again = GanSession.open(Project.from_dict(gan_ring().to_dict()))  # the same seed: the same run
    assert again.trainer.measure()["distance"] == start
    assert len(session.trainer.history["coverage"]) == 30
    assert session.trainer.g_steps_done == session.trainer.d_steps_done == 30 * session.trainer.rounds_per_epoch()


def test_the_run_keeps_both_networks_and_reopens_with_them(session):
    with one_thread():
        session.trainer.train_epoch()
    record = session.record()
    assert set(record.history) >= {"g_loss", "d_loss", "coverage", "distance"}
    gen, disc = split_weights(session.project.weights)
    assert gen.keys() == session.trainer.generator.state_dict().keys()
    assert disc.keys() == session.trainer.discriminator.state_dict().keys()
    assert any(k.startswith(PREFIX) for k in session.project.weights)
    again = GanSession.open(session.project)
    assert torch.equal(again.trainer.samples(session.trainer.fixed_noise), session.trainer.samples())


def test_a_gan_project_round_trips_and_an_old_project_loads_unchanged():
    project = Project.from_dict(gan_ring().to_dict())
    data = json.loads(json.dumps(project.to_dict()))
    assert data["schema_version"] == SCHEMA_VERSION == 3
    again = Project.from_dict(data)
    assert again.networks["discriminator"] == project.networks["discriminator"]
    assert again.gan == project.gan
    old = default_project().to_dict()
    old["schema_version"] = 2
    del old["networks"]
    loaded = Project.from_dict(old)
    assert loaded.networks == {} and loaded.gan is None
    assert loaded.architecture == default_project().architecture


def test_a_gan_without_its_discriminator_or_with_a_bad_setting_is_refused_in_words():
    data = Project.from_dict(gan_ring().to_dict()).to_dict()
    data["networks"] = {}
    with pytest.raises(SpecError, match="needs a network named 'discriminator'"):
        Project.from_dict(data)
    data = Project.from_dict(gan_ring().to_dict()).to_dict()
    data["gan"]["d_steps"] = 0
    with pytest.raises(SpecError, match=r"gan\.d_steps"):
        Project.from_dict(data)
    data["gan"] = {"d_optimiser": "adam"}
    with pytest.raises(SpecError, match="is not a GAN setting"):
        Project.from_dict(data)
