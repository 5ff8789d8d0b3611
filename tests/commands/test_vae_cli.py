"""The VAE headless: train the shipped example, its reconstruction error and KL from evaluate --json, the
templates list, and an exported (idiomatic) script that trains the VAE as a program."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from trust_cases import Case, check_case, run_cli

from nnstudio.core.project.templates import example_path


def _with_vae_loss(example: str):
    """The example project ``example`` switched to the VAE loss, written into the test's folder."""

    def argv(tmp):
        project = json.loads(example_path(example).read_text())
        project["training"]["loss"], project["training"]["loss_params"] = "vae", {}
        path = tmp / f"{example}_vae.json"
        path.write_text(json.dumps(project))
        return ["train", str(path), "--epochs", "1"]

    return argv


CASES = [
    Case("vae loss without a GaussianLatent layer", _with_vae_loss("autoencoder"), 2,
         ("nnstudio train:", "needs a GaussianLatent layer", "twice the latent size")),
    Case("vae loss on a classification dataset", _with_vae_loss("simple_nn_8x8"), 2,
         ("nnstudio train:", "classification task", "'to reconstruct'")),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_the_vae_loss_refuses_what_it_cannot_train(case, tmp_path, capsys):
    err = check_case(case, tmp_path, capsys)
    assert len(err.strip().splitlines()) == 1


def test_the_moons_vae_trains_evaluates_and_exports(tmp_path, capsys):
    saved = tmp_path / "moons.nnstudio"
    code, out, err = run_cli(["train", str(example_path("vae_moons")), "--epochs", "4", "--save", str(saved)], capsys)
    assert code == 0, err
    code, out, err = run_cli(["evaluate", str(saved), "--json"], capsys)
    assert code == 0, err
    vae = json.loads(out)["vae"]
    assert set(vae) == {"train", "validation", "test"}
    assert set(vae["test"]) == {"reconstruction_error", "reconstruction_mse", "kl"}
    assert 0 < vae["test"]["reconstruction_mse"] < 0.2 and vae["test"]["kl"] > 0.1  # trained: rebuilds, codes used
    code, out, err = run_cli(["evaluate", str(saved)], capsys)
    assert "VAE test: reconstruction error" in out
    script = tmp_path / "moons_vae.py"
    code, out, err = run_cli(["export-code", str(saved), "-o", str(script)], capsys)
    assert code == 0, err
    ran = subprocess.run([sys.executable, str(script), "--epochs", "2"], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr[-2000:]
    assert "LATENTS[:] = [m for m in model.modules()" in script.read_text()


def test_info_lists_the_vae_templates_with_the_others(capsys):
    code, out, _ = run_cli(["info", "--list", "templates"], capsys)
    assert code == 0
    names = [line.split()[0] for line in out.splitlines() if line.strip()]
    assert {"vae_digits", "vae_moons", "autoencoder", "simple_nn"} <= set(names)
