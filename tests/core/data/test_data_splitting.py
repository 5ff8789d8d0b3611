"""The split without scikit-learn's import: the same train/test indices as sklearn's train_test_split, in the
same order, plain and stratified, so every project keeps its splits (and its trained results)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.model_selection import train_test_split as sklearn_split

from nnstudio.core.data.splitting import train_test_split


def cases(n_cases: int = 300):
    rng = np.random.default_rng(7)
    for k in range(n_cases):
        n = int(rng.integers(10, 400))
        test_size = float(rng.uniform(0.05, 0.6))
        seed = int(rng.integers(0, 10_000))
        indices = np.sort(rng.choice(n * 3, n, replace=False)) if k % 3 else np.arange(n)  # the 'rest' of a first cut
        classes = int(rng.integers(2, 7))
        weights = rng.dirichlet(np.ones(classes) * 0.7)
        labels = rng.choice(classes, n, p=weights)
        yield n, test_size, seed, indices, labels


@pytest.mark.parametrize("stratified", [False, True])
def test_the_same_indices_as_scikit_learn(stratified):
    compared = 0
    for n, test_size, seed, indices, labels in cases():
        _, counts = np.unique(labels, return_counts=True)
        held = int(np.ceil(test_size * n))
        if stratified and (counts.min() < 2 or min(held, n - held) < len(counts)):
            continue  # the data module splits such a set at random (sklearn would refuse it)
        stratify = labels if stratified else None
        want_train, want_test = sklearn_split(indices, test_size=test_size, random_state=seed, stratify=stratify)
        got_train, got_test = train_test_split(indices, test_size=test_size, random_state=seed, stratify=stratify)
        assert got_train.tolist() == want_train.tolist() and got_test.tolist() == want_test.tolist(), (n, test_size, seed)
        compared += 1
    assert compared > 150


def test_ties_in_the_class_counts_are_broken_as_scikit_learn_does():
    labels = np.repeat([0, 1, 2, 3], 25)  # equal remainders: the random tie-break decides who gets the extra row
    for seed in range(20):
        want = sklearn_split(np.arange(100), test_size=0.13, random_state=seed, stratify=labels)
        got = train_test_split(np.arange(100), test_size=0.13, random_state=seed, stratify=labels)
        assert [a.tolist() for a in got] == [a.tolist() for a in want]


@pytest.mark.parametrize("labels", [
    np.arange(800) % 80,  # many classes: the sorted path
    (np.arange(300) % 4) * 7 + 3,  # classes with gaps in their numbers
    np.array(["b", "a", "c"] * 40),  # not numbers at all
])
def test_many_classes_gaps_and_names_split_as_scikit_learn_does(labels):
    indices = np.arange(len(labels))
    want = sklearn_split(indices, test_size=0.25, random_state=4, stratify=labels)
    got = train_test_split(indices, test_size=0.25, random_state=4, stratify=labels)
    assert [a.tolist() for a in got] == [a.tolist() for a in want]
