"""Small generated sets made for one lesson point each: a line with outliers (which cost function shrugs them
off) and a table whose columns differ in scale by a thousand times (why inputs are standardized).

Both carry what the lesson compares against in ``meta``: the line's true slope, the table's category codes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from nnstudio.core.base.registry import DATASETS, Param
from nnstudio.core.data.bundle import CLASSIFICATION, REGRESSION, RawDataset


@DATASETS.register(
    "line_outliers", title="Line with outliers", category="Regression toys",
    params=(
        Param("n_samples", int, 200, "How many points to generate.", 20, 100_000, label="Samples"),
        Param("outliers", float, 0.1, "Share of the points replaced by far-off readings (a broken sensor).", 0.0, 0.5),
        Param("slope", float, 2.0, "The true line's slope, the one the fit should find.", -10.0, 10.0),
    ),
    help="""
Points on y = slope * x + 1 with a little noise, and a share of them replaced by readings far below the line,
all at the right-hand end. Squared error lets those few points drag the fitted line down; absolute error and
Huber count a far-off point no more than a near one and keep to the line the other points draw.""",
)
def line_outliers(p: dict[str, Any], seed: int, base_dir: Path | None = None) -> RawDataset:
    rng = np.random.default_rng(seed)
    n = p["n_samples"]
    x = np.sort(rng.uniform(-3.0, 3.0, n))
    y = p["slope"] * x + 1.0 + rng.normal(0.0, 0.3, n)
    # The outliers sit among the largest x, so they tilt the line rather than only shift it.
    count = int(round(p["outliers"] * n))
    right = np.flatnonzero(x > 1.0)
    bad = rng.choice(right, size=min(count, len(right)), replace=False)
    y[bad] = rng.uniform(-14.0, -10.0, len(bad))
    return RawDataset(
        x[:, None].astype(np.float32), y.astype(np.float32), REGRESSION, [], ["x"],
        f"y = {p['slope']:g}x + 1 + noise; {len(bad)} of the {n} points are outliers far below the line.",
        meta={"true_slope": float(p["slope"])},
    )


DISTRICTS = ("north", "east", "south", "west")


@DATASETS.register(
    "mixed_scales", title="Mixed scales (shop customers)", category="Tables",
    params=(Param("n_samples", int, 600, "How many customers to generate.", 20, 100_000, label="Samples"),),
    help="""
Will a customer buy? Yearly income in dollars (tens of thousands), distance to the shop in km (a few to
fifty: about a thousand times smaller) and the district, stored as codes 0-3. Both numbers matter equally, but
unscaled the income's size swamps the distance. The district matters too, but not in the order of its codes:
north and south buy more, east and west less, which one-hot columns show at once and the codes hide.""",
)
def mixed_scales(p: dict[str, Any], seed: int, base_dir: Path | None = None) -> RawDataset:
    rng = np.random.default_rng(seed)
    n = p["n_samples"]
    income = rng.uniform(20_000.0, 120_000.0, n)
    distance = rng.uniform(0.0, 50.0, n)
    district = rng.integers(0, len(DISTRICTS), n)
    score = (income - 70_000.0) / 25_000.0 - (distance - 25.0) / 12.5 + np.where(district % 2 == 0, 1.0, -1.0)
    y = (score + rng.normal(0.0, 0.3, n) > 0).astype(np.int64)
    x = np.stack([income, distance, district.astype(np.float64)], axis=1).astype(np.float32)
    return RawDataset(
        x, y, CLASSIFICATION, ["does not buy", "buys"], ["income", "distance_km", "district"],
        f"{n} customers: income in dollars, distance in km, district as codes "
        f"({', '.join(f'{i} {d}' for i, d in enumerate(DISTRICTS))}).",
        meta={"categorical": {"district": list(DISTRICTS)}},
    )
