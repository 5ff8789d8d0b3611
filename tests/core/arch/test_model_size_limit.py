"""A network too big for the machine is counted without allocating and refused before any weight exists."""

from __future__ import annotations

import json
import re

import pytest

from nnstudio.cli import main
from nnstudio.core.arch import builder
from nnstudio.core.arch.builder import ModelTooBigError, build, build_partial, check_fits, estimate, plan
from nnstudio.core.arch.spec import ArchitectureSpec, layer
from nnstudio.core.arch.validation import check
from nnstudio.core.base import memory
from nnstudio.core.base.errors import ShapeError

MILLION = 1_000_000
HUGE = ArchitectureSpec([layer("linear", in_features=0, out_features=MILLION), layer("linear", in_features=MILLION, out_features=MILLION),
                         layer("relu"), layer("linear", in_features=0, out_features=2)])
HUGE_PARAMS = (64 * MILLION + MILLION) + (MILLION * MILLION + MILLION) + (2 * MILLION + 2)


def free(monkeypatch, n: int | None) -> None:
    monkeypatch.setattr(memory, "available_bytes", lambda: n)


def run_cli(argv: list[str], capsys) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_plan_counts_a_trillion_weights_without_allocating_them():
    planned = plan(HUGE, (64,))
    assert planned.total_params == HUGE_PARAMS == 1_000_068_000_002
    assert [info.params for info in planned.layers] == [65 * MILLION, MILLION * MILLION + MILLION, 0, 2 * MILLION + 2]
    assert all(p.is_meta for p in planned.module.parameters())
    need = estimate(planned, 32)
    assert need.train_bytes >= 16 * HUGE_PARAMS  # value, gradient and two Adam moments, 4 bytes each


def test_build_refuses_it_before_allocating_naming_the_layer_the_size_and_the_fix(monkeypatch):
    free(monkeypatch, 16 * 1024**3)
    with pytest.raises(ModelTooBigError, match="makes the network too big for this computer") as caught:
        build(HUGE, (64,))  # without the check: "DefaultCPUAllocator: can't allocate memory: ... 4000000000000 bytes"
    message = str(caught.value)
    assert message.startswith("Layer 2 (Linear) makes the network too big for this computer")
    assert "training it (1,000,068,000,002 parameters) with batches of 32 needs about 14,902.9 GB, but only 16.0 GB" in message
    assert "this layer's: its 1,000,001,000,000 weights; make this layer smaller" in message
    assert isinstance(caught.value, ShapeError) and caught.value.index == "2" and caught.value.fix == {}


def test_the_limit_follows_the_memory_that_is_free(monkeypatch):
    spec = ArchitectureSpec([layer("linear", in_features=64, out_features=1000), layer("linear", in_features=1000, out_features=10)])
    need = estimate(plan(spec, (64,)), 32).train_bytes
    free(monkeypatch, need)  # exactly enough
    assert build(spec, (64,)).total_params == 65_000 + 10_010
    free(monkeypatch, need - 1)
    with pytest.raises(ModelTooBigError, match=r"Layer 1 \(Linear\) .*\(75,010 parameters\) with batches of 32 needs about 1\.4 MB"):
        build(spec, (64,))
    free(monkeypatch, 512 * 1024)
    with pytest.raises(ModelTooBigError, match=r"but only 512 KB of memory is free; most of it is this layer's: its 65,000 weights"):
        build(spec, (64,))
    free(monkeypatch, None)  # a platform that does not say: no check
    assert check_fits(plan(HUGE, (64,))).params == HUGE_PARAMS


def test_big_activations_blame_the_batch_not_the_weights(monkeypatch):
    spec = ArchitectureSpec([layer("conv2d", in_channels=3, out_channels=64, kernel_size=3, padding=1), layer("relu")])
    free(monkeypatch, 50 * 1024**2)
    with pytest.raises(ModelTooBigError, match=r"its output of 64x128x128 values per example; use a smaller batch size than 256"):
        build(spec, (3, 128, 128), batch_size=256)
    assert build(spec, (3, 128, 128), batch_size=2).total_params == 64 * 27 + 64


def test_the_train_button_and_the_editor_get_the_same_refusal(monkeypatch):
    free(monkeypatch, 16 * 1024**3)
    error = check(HUGE, (64,))
    assert isinstance(error, ModelTooBigError)
    built, infos, shown = build_partial(HUGE, (64,))
    assert built is None and str(shown) == str(error)
    assert [i.index for i in infos] == ["1", "2", "3", "4"]  # every layer's facts, for the stack table


def test_small_networks_still_build_with_real_weights():
    built = build(ArchitectureSpec([layer("embedding", vocab_size=50, embedding_dim=8), layer("lstm", hidden_size=16)]), (10,))
    assert built.total_params > 0 and not any(p.is_meta for p in built.module.parameters())
    assert builder.plan(ArchitectureSpec([layer("positional_encoding")]), (10, 8)).layers[0].out_shape == (10, 8)


def test_cli_info_reports_the_size_of_a_huge_model_then_refuses_it(tmp_path, capsys, monkeypatch):
    free(monkeypatch, 16 * 1024**3)
    project = {
        "format": "nnstudio-project", "schema_version": 1, "name": "huge",
        "architecture": {"name": "huge", "layers": [layer("flatten").to_dict(), *(l.to_dict() for l in HUGE.layers)]},
        "data": {"source": "digits", "params": {}},
        "training": {"batch_size": 8},
    }
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(project), encoding="utf-8")
    code, out, err = run_cli(["info", str(path)], capsys)
    assert code == 2
    assert "total 1,000,076,000,010 parameters" in out  # the last layer follows the data: 10 digit classes
    assert re.search(r"training needs about 14,902\.5 GB of memory with batches of 8 \(16\.0 GB free now\)", out), out
    assert err.startswith("nnstudio info: Layer 3 (Linear) makes the network too big") and len(err.splitlines()) == 1
    code, _out, err = run_cli(["train", str(path), "--epochs", "1"], capsys)
    assert code == 2 and "with batches of 8 needs about 14,902.5 GB" in err and "unexpected error" not in err  # the project's batch
