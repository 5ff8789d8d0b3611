"""scikit-learn's ``train_test_split`` (plain and stratified), draw for draw, in NumPy alone.

Importing scikit-learn costs more than a second (it pulls in SciPy) and splitting is all that loading a
table needs from it, so the data path does not import it. The indices are the ones scikit-learn 1.4-1.9
returns for the same arguments, down to the order (the same ``RandomState`` draws in the same sequence:
ShuffleSplit's permutation; StratifiedShuffleSplit's approximate mode, per-class permutations and final
shuffles); a test holds this to scikit-learn's own function, so projects keep their splits.
"""

from __future__ import annotations

from math import ceil

import numpy as np


def _approximate_mode(class_counts: np.ndarray, n_draws: int, rng: np.random.RandomState) -> np.ndarray:
    """The likeliest number drawn from each class when drawing ``n_draws`` (ties broken by ``rng``)."""
    continuous = class_counts / class_counts.sum() * n_draws
    floored = np.floor(continuous)
    need_to_add = int(n_draws - floored.sum())
    if need_to_add > 0:
        remainder = continuous - floored
        for value in np.sort(np.unique(remainder))[::-1]:
            (inds,) = np.where(remainder == value)
            add_now = min(len(inds), need_to_add)
            floored[rng.choice(inds, size=add_now, replace=False)] += 1
            need_to_add -= add_now
            if need_to_add == 0:
                break
    return floored.astype(int)


def _class_of_each(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """np.unique's (inverse, counts); by counting when the labels are small whole numbers (class indices)."""
    if labels.dtype.kind in "iu" and len(labels) and labels.min() >= 0 and labels.max() < 1 << 20:
        counts = np.bincount(labels)
        present = np.flatnonzero(counts)
        if len(present) == len(counts):  # every class 0..k-1 occurs: the labels are their own ranks
            return labels, counts
        rank = np.zeros(len(counts), np.int64)
        rank[present] = np.arange(len(present))
        return rank[labels], counts[present]
    _, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    return inverse.reshape(-1), counts


def train_test_split(
    indices: np.ndarray, test_size: float, random_state: int, stratify: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(train, test) taken from ``indices``; ``test_size`` a fraction in (0, 1), as the data spec holds it."""
    n = len(indices)
    n_test = ceil(test_size * n)
    n_train = n - n_test
    if not 0 < test_size < 1 or n_train <= 0:
        raise ValueError(f"test_size={test_size} leaves no training examples out of {n}")
    rng = np.random.RandomState(random_state)
    if stratify is None:
        permutation = rng.permutation(n)
        return indices[permutation[n_test:n_test + n_train]], indices[permutation[:n_test]]
    y_indices, class_counts = _class_of_each(np.asarray(stratify))
    if class_counts.min() < 2 or min(n_train, n_test) < len(class_counts):
        raise ValueError("every class needs two examples and a place on both sides of the cut to stratify")
    if len(class_counts) <= 64:  # the rows of each class in order: what a stable argsort gives, in O(n) a class
        class_indices = [np.flatnonzero(y_indices == c) for c in range(len(class_counts))]
    else:
        class_indices = np.split(np.argsort(y_indices, kind="stable"), np.cumsum(class_counts)[:-1])
    n_i = _approximate_mode(class_counts, n_train, rng)
    t_i = _approximate_mode(class_counts - n_i, n_test, rng)
    # ``rng.shuffle(a)`` makes the very swaps ``a[rng.permutation(len(a))]`` makes (permutation shuffles an
    # arange), without the index array and the gather; every array shuffled here is this call's own (the
    # pieces of np.split are disjoint views of one).
    train, test = [], []
    for i in range(len(class_counts)):
        members = class_indices[i]
        rng.shuffle(members)
        train.append(members[: n_i[i]])
        test.append(members[n_i[i]: n_i[i] + t_i[i]])
    train_rows, test_rows = np.concatenate(train), np.concatenate(test)
    rng.shuffle(train_rows)
    rng.shuffle(test_rows)
    return indices[train_rows], indices[test_rows]
