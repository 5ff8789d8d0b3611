"""The GAN headless: ``nnstudio train`` on the example project, ``evaluate --json`` with both losses and the
coverage, and the example listed by ``info --list templates``."""

from __future__ import annotations

import json

from trust_cases import run_cli

from nnstudio.core.project.file_format import load_project
from nnstudio.core.project.templates import EXAMPLES_DIR

EXAMPLE = EXAMPLES_DIR / "gan_ring.json"


def test_train_then_evaluate_gives_both_losses_and_the_coverage(tmp_path, capsys):
    out = tmp_path / "gan.nnstudio"
    code, stdout, err = run_cli(["train", str(EXAMPLE), "--epochs", "12", "--save", str(out), "--json"], capsys)
    assert code == 0, err
    trained = json.loads(stdout.strip().splitlines()[-1])
    assert trained["status"] == "completed" and trained["epochs"] == 12 and trained["task"] == "gan"
    # The 700 training points of 1000 in batches of 64: 11 rounds an epoch, one D and one G step each.
    assert trained["g_steps"] == trained["d_steps"] == 12 * 11
    saved = load_project(out)
    assert saved.gan is not None and "discriminator" in saved.networks
    assert len(saved.history["coverage"]) == 12

    code, stdout, err = run_cli(["evaluate", str(out), "--json"], capsys)
    assert code == 0, err
    figures = json.loads(stdout.strip().splitlines()[-1])["gan"]
    assert figures["modes"] == 8
    # The saved weights measured afresh on the same fixed noise: the numbers the last epoch ended with.
    assert figures["coverage"] == trained["coverage"]
    assert abs(figures["distance"] - trained["distance"]) < 1e-9
    assert figures["d_loss"] > 0 and figures["g_loss"] > 0

    code, stdout, err = run_cli(["evaluate", str(out)], capsys)
    assert code == 0 and "coverage" in stdout and "of 8 modes" in stdout


def test_a_gan_refuses_continue_in_words(tmp_path, capsys):
    code, _out, err = run_cli(["train", str(EXAMPLE), "--continue"], capsys)
    assert code == 2
    assert err.strip() == ("nnstudio train: --continue is not available for a GAN project yet; train it afresh "
                           "(--epochs N --save)")


def test_info_lists_the_gan_examples(capsys):
    code, stdout, _err = run_cli(["info", "--list", "templates"], capsys)
    assert code == 0
    assert "gan_ring" in stdout and "gan_digits" in stdout


def _broken(tmp_path, edit) -> str:
    data = json.loads(EXAMPLE.read_text())
    edit(data)
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(data))
    return str(path)


def test_networks_that_do_not_fit_are_refused_in_one_line(tmp_path, capsys):
    def generator_out_3(d):
        d["architecture"]["layers"][-1]["params"]["out_features"] = 3

    def discriminator_out_2(d):
        d["networks"]["discriminator"]["layers"][-1]["params"]["out_features"] = 2

    code, _out, err = run_cli(["train", _broken(tmp_path, generator_out_3), "--epochs", "1"], capsys)
    assert code == 2
    assert err.strip() == ("nnstudio train: The generator makes samples of shape 3, but the data's samples are 2; "
                           "make its last layer give 2")
    code, _out, err = run_cli(["train", _broken(tmp_path, discriminator_out_2), "--epochs", "1"], capsys)
    assert code == 2
    assert err.strip() == ("nnstudio train: The discriminator gives 2 numbers per sample; it must give one real/fake "
                           "score: set its last Linear layer's out_features to 1")
