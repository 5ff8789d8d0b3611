"""Generative models' lessons, run headless with their fixed seeds: each one's outcome is met."""

from __future__ import annotations

import math

from helpers_lessons import lesson_figures

from nnstudio.core.lessons.experiments import train_run
from nnstudio.core.lessons.figures import FIGURES
from nnstudio.core.lessons.format import find_lesson


def test_vae_beta_lesson_a_dear_code_carries_less_and_rebuilds_worse():
    f = lesson_figures("vae_beta")
    assert f["vae_kl@dear"] <= 0.5 * f["vae_kl@cheap"]
    assert f["vae_reconstruction_error@dear"] >= 1.2 * f["vae_reconstruction_error@cheap"]


def test_generative_figures_are_nan_for_a_network_that_is_not_one():
    project = find_lesson("latent_space").start_project()
    project.training.epochs = 1
    run = train_run(project, None)
    assert math.isnan(FIGURES["vae_kl"].compute(run))
    assert math.isnan(FIGURES["vae_reconstruction_error"].compute(run))
    assert math.isnan(FIGURES["sample_distance"].compute(run))
    assert math.isnan(FIGURES["gan_coverage"].compute(run))


def test_diffusion_lesson_trained_samples_sit_far_nearer_the_spiral_than_their_noise():
    f = lesson_figures("diffusion_denoising")
    assert f["sample_distance@many"] <= 0.3 * f["noise_distance@many"]
    # two epochs have not learned to denoise yet: the walk ends no nearer the spiral than it started
    assert f["sample_distance@few"] > 0.5 * f["noise_distance@few"]


def test_transfer_lesson_fine_tuned_head_beats_scratch_by_a_tenth():
    """Fails if the lesson drops the shipped pretrained body (the fine-tuned run then trails scratch)."""
    f = lesson_figures("transfer_learning")
    assert f["test_accuracy@fine_tuned"] >= f["test_accuracy@scratch"] + 0.10


def test_a_lesson_keeps_only_a_frozen_bodys_weights():
    assert find_lesson("transfer_learning").start_project().weights
    assert find_lesson("vae_beta").start_project().weights is None


def test_gan_lesson_trains_in_its_own_session_and_reaches_the_ring():
    f = lesson_figures("gan_ring")
    assert f["gan_distance@many"] <= 0.5 * f["gan_distance@few"]
    assert f["gan_coverage@many"] >= 0.75 > f["gan_coverage@few"]  # 6 of the 8 clusters at least, after 100 epochs
