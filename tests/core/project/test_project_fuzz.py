"""Property: any mutation of a valid project's JSON loads as a valid project or fails with an NNStudioError."""

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.project.file_format import load_project
from nnstudio.core.project.spec import Project, default_project, record_run

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=12),
    st.sampled_from(["linear", "relu", "digits", "adam", "cross_entropy", "float", "tokens", "standardize", "conv2d"]),
)
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=12
)


def _base() -> dict:
    project = default_project()
    record_run(project, {"epoch": [1.0, 2.0], "train_loss": [0.9, 0.4]}, None)
    return project.to_dict()


BASE = _base()


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*prefix, i))


ALL_PATHS = list(_paths(BASE))[1:]


@st.composite
def mutated_projects(draw):
    data = json.loads(json.dumps(BASE))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(ALL_PATHS))
        parent = data
        try:
            for key in path[:-1]:
                parent = parent[key]
            last = path[-1]
            action = draw(st.sampled_from(["replace", "delete", "add"]))
            if action == "replace":
                parent[last] = draw(json_values)
            elif action == "delete":
                del parent[last]
            elif isinstance(parent, dict):
                parent[draw(st.text(max_size=8))] = draw(json_values)
            else:
                parent.append(draw(json_values))
        except (KeyError, IndexError, TypeError):
            pass  # an earlier mutation removed or retyped this path
    return data


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_projects())
def test_mutated_json_loads_as_valid_project_or_nnstudio_error(data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "p.json"
        path.write_text(json.dumps(data))
        try:
            project = load_project(path)
        except NNStudioError as exc:
            assert str(exc)  # a message a student can read
            return
    # Valid means: it describes itself completely and loads back to the same thing.
    again = Project.from_dict(json.loads(json.dumps(project.to_dict())))
    assert again.to_dict() == project.to_dict()
