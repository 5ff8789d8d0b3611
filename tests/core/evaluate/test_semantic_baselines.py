"""The majority-class and mean baselines come from the training split, checked against counts made here.

Every bundle has a training majority (or mean) that differs from the test split's, so a baseline counted
on the wrong split gives a different number from the one each test expects.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import torch
from torch import nn

from nnstudio.commands.evaluate import format_report
from nnstudio.core.data.assemble import prepare
from nnstudio.core.data.bundle import CLASSIFICATION, DataBundle, Split
from nnstudio.core.data.spec import DataSpec
from nnstudio.core.evaluate.report import evaluate
from nnstudio.core.interpret.explain import explain
from nnstudio.core.interpret.subject import Subject

NAMES = ["ant", "bee", "cat"]


def _split(counts: list[int], seed: int) -> Split:
    """Shuffled labels with ``counts`` per class; two features, class c around (c, -c)."""
    y = np.concatenate([np.full(n, c) for c, n in enumerate(counts)])
    np.random.default_rng(seed).shuffle(y)
    x = np.stack([y, -y], axis=1).astype(np.float32) + np.random.default_rng(seed + 1).normal(0, 0.1, (len(y), 2)).astype(np.float32)
    return Split(torch.from_numpy(x), torch.from_numpy(y.astype(np.int64)))


def _bundle(train: list[int], validation: list[int], test: list[int]) -> DataBundle:
    return DataBundle(CLASSIFICATION, _split(train, 0), _split(validation, 10), _split(test, 20), (2,), list(NAMES))


def _always(cls: int) -> nn.Module:
    """A network that answers ``cls`` for every input."""
    model = nn.Linear(2, 3)
    with torch.no_grad():
        model.weight.zero_()
        model.bias.copy_(torch.tensor([0.0, 0.0, 0.0]))
        model.bias[cls] = 2.0
    return model


def _by_hand(bundle: DataBundle) -> tuple[int, dict[str, float]]:
    """The training split's most common class, and how often each split's labels equal it."""
    counts = Counter(int(v) for v in bundle.train.y)
    majority = max(counts, key=counts.get)
    shares = {}
    for name, split in bundle.splits().items():
        labels = [int(v) for v in split.y]
        shares[name] = sum(1 for v in labels if v == majority) / len(labels)
    return majority, shares


def test_majority_baseline_counts_the_training_split_on_balanced_data():
    # Training: cat (2) is the most common (9 of 20, under the imbalance threshold); test: ant (0) is.
    bundle = _bundle([5, 6, 9], [2, 6, 2], [10, 5, 5])
    majority, shares = _by_hand(bundle)
    assert majority == 2 and Counter(int(v) for v in bundle.test.y).most_common(1)[0][0] == 0
    report = evaluate(_always(1), bundle)  # "bee" for everything: 25% on test, like the baseline
    for name, split in report.splits.items():
        assert split.metrics.majority_class == majority
        assert split.metrics.majority_baseline == pytest.approx(shares[name])
    test = report.splits["test"].metrics
    assert test.majority_baseline == pytest.approx(0.25) and test.accuracy == pytest.approx(0.25)
    assert report.to_dict()["splits"]["test"]["majority_class"] == "cat"
    assert report.to_dict()["splits"]["test"]["majority_baseline"] == pytest.approx(0.25)
    gap = next(g for g in report.gaps if g.kind == "baseline")
    assert "always answering \u201ccat\u201d would score 25.0%" in gap.message
    assert "It gives the same answer for every example." in gap.message
    row = next(line for line in format_report(report).splitlines() if line.startswith("majority baseline"))
    assert row.split()[2:] == [f"{shares['train']:.1%}", f"{shares['validation']:.1%}", "25.0%"]


def test_no_baseline_alarm_when_the_model_beats_the_training_majority_on_test():
    # Always "ant": 50% on test, well above the 25% that always answering cat (the training majority) gets.
    # Counted on the test split, the majority would be ant at 50% and the alarm would wrongly go off.
    bundle = _bundle([5, 6, 9], [2, 6, 2], [10, 5, 5])
    report = evaluate(_always(0), bundle)
    assert report.splits["test"].metrics.accuracy == pytest.approx(0.5)
    assert report.splits["test"].metrics.majority_baseline == pytest.approx(0.25)
    assert not [g for g in report.gaps if g.kind in ("baseline", "imbalance")]


def test_imbalance_note_names_the_training_majority_and_its_share():
    # Training: cat is 14 of 20 (70%, imbalanced); test: ant is 12 of 20.
    bundle = _bundle([3, 3, 14], [4, 4, 4], [12, 4, 4])
    majority, shares = _by_hand(bundle)
    assert majority == 2 and shares["test"] == pytest.approx(0.2)
    report = evaluate(_always(2), bundle)
    assert report.splits["test"].metrics.majority_baseline == pytest.approx(0.2)
    gap = next(g for g in report.gaps if g.kind == "imbalance")
    assert gap.message.startswith("\u201ccat\u201d makes up 70% of the training data")
    assert "would already be right 20.0% of the time on the test split" in gap.message
    assert gap.values == pytest.approx((0.2, 0.2))


def test_the_mean_baseline_of_attributions_is_the_training_mean():
    # Training inputs average (2, -2) (all cats), test inputs average (0, 0): a mean over the wrong split,
    # or over all splits, gives another baseline and another attribution.
    bundle = _bundle([0, 0, 30], [10, 10, 10], [10, 10, 10])
    by_hand = bundle.train.x.double().mean(0).numpy()
    assert not np.allclose(by_hand, bundle.test.x.double().mean(0).numpy(), atol=0.5)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 3)).eval()
    subject = Subject.from_model(model, bundle)
    np.testing.assert_allclose(subject.train_mean, by_hand, rtol=1e-5)

    from captum.attr import IntegratedGradients

    x = bundle.test.x[:1].clone()
    got = explain(model, subject, x[0].numpy(), "ig", {"baseline": "mean"}, target=1)
    base = torch.as_tensor(by_hand, dtype=torch.float32)[None]
    want = IntegratedGradients(model).attribute(x, baselines=base, target=1, n_steps=50, method="gausslegendre")
    np.testing.assert_allclose(got.values, want[0].double().numpy(), rtol=1e-5, atol=1e-7)
    with torch.no_grad():  # completeness against this baseline, so the baseline really is the training mean
        gap = float(model(x)[0, 1] - model(base)[0, 1])
    assert got.values.sum() == pytest.approx(gap, rel=1e-3)


def test_try_it_training_means_are_the_raw_training_rows_averaged():
    """The try-it page's ranges and "Reset to the training means" show these numbers (raw units)."""
    from nnstudio.core.data.assemble import build

    spec = DataSpec("iris")
    bundle = build(spec)  # no preprocessing: the training tensors are the raw training rows
    raw = prepare(spec).raw_view
    assert raw is not None
    train = bundle.train.x.double().numpy()
    np.testing.assert_allclose(raw.mean, train.mean(0), rtol=1e-6)
    np.testing.assert_allclose(raw.minimum, train.min(0))
    np.testing.assert_allclose(raw.maximum, train.max(0))
    everything = np.concatenate([train, bundle.test.x.double().numpy(), bundle.validation.x.double().numpy()])
    assert not np.allclose(raw.mean, everything.mean(0), rtol=1e-4)
