"""The project format lets a class try a huge learning rate (up to 1000) and refuses more by name."""

from __future__ import annotations

import pytest

from nnstudio.core.base.errors import SpecError
from nnstudio.core.training.config import TrainSpec, setting


@pytest.mark.parametrize("lr", [100.0, 1000.0])
def test_a_huge_learning_rate_is_kept_as_written(lr):
    assert TrainSpec.from_dict({"lr": lr}).lr == lr
    assert setting("lr").maximum == 1000.0


def test_a_learning_rate_above_1000_is_refused_with_the_bound():
    with pytest.raises(SpecError) as info:
        TrainSpec.from_dict({"lr": 1001})
    assert "training.lr" in str(info.value) and "must be at most 1000" in str(info.value)
