"""Diffusion headless: train the shipped spiral example, the sample-to-data distance from evaluate --json,
and the example in the templates list."""

from __future__ import annotations

import json

from trust_cases import run_cli

from nnstudio.core.project.templates import example_path


def test_the_spiral_diffusion_trains_and_evaluates(tmp_path, capsys):
    saved = tmp_path / "spiral.nnstudio"
    code, out, err = run_cli(["train", str(example_path("diffusion_spiral")), "--epochs", "4", "--save", str(saved)], capsys)
    assert code == 0, err
    assert "has not learned" not in out + err  # its outputs are noise guesses; the targets are not what it fits
    code, out, err = run_cli(["evaluate", str(saved), "--json"], capsys)
    assert code == 0, err
    report = json.loads(out)
    assert report["task"] == "diffusion"
    figures = report["diffusion"]
    assert set(figures) == {"sample_distance", "noise_distance", "samples"}
    assert 0 <= figures["sample_distance"] < figures["noise_distance"]
    code, out, err = run_cli(["evaluate", str(saved)], capsys)
    assert code == 0 and out.startswith("Diffusion: energy distance of 500 samples to the test data ")


def test_info_lists_the_diffusion_example(capsys):
    code, out, _ = run_cli(["info", "--list", "templates"], capsys)
    assert code == 0
    assert any(line.split()[:1] == ["diffusion_spiral"] for line in out.splitlines())
