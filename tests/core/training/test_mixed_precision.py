"""Mixed precision: a training setting, refused off CUDA with its reason; when allowed, the steps really run in
bf16/fp16 (fp16 with a gradient scaler). No GPU here, so the arithmetic is checked on the CPU's autocast."""

from __future__ import annotations

import pytest
import torch
from helpers_training import blobs_bundle, trainer_for

from nnstudio.core.base.errors import SpecError, TrainingError
from nnstudio.core.training import devices
from nnstudio.core.training.config import TrainSpec


def test_mixed_precision_on_the_cpu_is_refused_with_the_reason():
    with pytest.raises(TrainingError) as caught:
        trainer_for(blobs_bundle(), precision="bf16")
    assert str(caught.value) == ("Mixed precision (bf16) runs on a CUDA GPU only, and this run is on the cpu; set "
                                 "precision to fp32, or choose device 'cuda' on a machine with an NVIDIA GPU")


def test_precision_is_a_checked_setting():
    assert TrainSpec.from_dict({"precision": "fp16"}).precision == "fp16"
    assert TrainSpec().precision == "fp32"
    with pytest.raises(SpecError) as caught:
        TrainSpec.from_dict({"precision": "fp8"})
    assert "training.precision" in str(caught.value) and "fp32, bf16, fp16" in str(caught.value)


@pytest.mark.parametrize(("precision", "dtype"), [("fp32", torch.float32), ("bf16", torch.bfloat16),
                                                  ("fp16", torch.float16)])
def test_the_training_steps_run_in_the_chosen_precision(precision, dtype, monkeypatch):
    """On CUDA this is autocast on the GPU; here the same code path is allowed onto the CPU's autocast."""
    monkeypatch.setattr(devices, "precision_problem", lambda _precision, _device: None)
    trainer = trainer_for(blobs_bundle(), precision=precision, grad_clip=1.0)
    seen: list[torch.dtype] = []
    first_linear = next(m for m in trainer.model.modules() if isinstance(m, torch.nn.Linear))
    first_linear.register_forward_hook(lambda _m, _inputs, out: seen.append(out.dtype) if torch.is_grad_enabled() else None)
    result = trainer.fit(2)
    assert result.status == "completed" and result.epochs == 2
    assert set(seen) == {dtype}  # every training step's forward pass, in the chosen number format
    assert all(p.dtype == torch.float32 for p in trainer.model.parameters())  # the weights stay fp32
    losses = result.history["train_loss"]
    assert losses[1] < losses[0]  # it learns
    scaler = trainer.precision.scaler
    assert (scaler is not None) == (precision == "fp16")  # only fp16's small range needs the loss scaled
    if scaler is not None:
        assert scaler.get_scale() > 1.0
