"""A 2-column table with missing values still gets a plane: the complete points are drawn."""

import numpy as np

from nnstudio.core.data.assemble import prepare
from nnstudio.core.data.spec import DataSpec
from nnstudio.core.insight.grid import plane_for


def test_plane_skips_points_with_a_missing_coordinate(tmp_path):
    rows = "".join(f"{i % 7},{'NA' if i % 5 == 0 else i * 0.5},{'ab'[i % 2]}\n" for i in range(60))
    (tmp_path / "t.csv").write_text("u,v,label\n" + rows, encoding="utf-8")
    spec = DataSpec("csv", {"path": "t.csv", "target": "label"})
    plane = plane_for(prepare(spec, tmp_path))
    assert plane is not None
    assert np.isfinite(plane.train_x).all() and np.isfinite(plane.test_x).all()
    assert all(np.isfinite(plane.x_range)) and all(np.isfinite(plane.y_range))
    assert len(plane.train_x) + len(plane.test_x) < 60
