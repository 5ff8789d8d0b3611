"""The data part of an exported script: ``make_dataset()`` for built-in datasets, the split, the preprocessing
the script can redo, and ``load_data()`` (or the ``.npz`` sidecar of prepared splits when it cannot).

Two spellings: ``exact`` mirrors nnstudio's own split function and returns six tensors; the idiomatic one
splits with scikit-learn as a lecture would and returns three ``TensorDataset``s. Both give the same examples.
"""

from __future__ import annotations

import math
import textwrap

import numpy as np

from nnstudio.core.data.assemble import load_raw, split_indices
from nnstudio.core.data.bundle import CLASSIFICATION, DataBundle
from nnstudio.core.export.codegen_text import _doc
from nnstudio.core.project.spec import Project

# ----------------------------------------------------------------------------- datasets the script regenerates
_F32 = "astype(np.float32)"


def _source_code(source: str, p: dict, seed: int) -> str | None:
    """Body of ``make_dataset()`` returning (x, y) exactly as nnstudio's source does, or None."""
    if source in ("digits", "digits_reconstruct"):
        target = "x.reshape(len(x), -1).copy()" if source == "digits_reconstruct" else "d.target.astype(np.int64)"
        return f"""
from sklearn.datasets import load_digits

d = load_digits()
x = (d.images / 16.0).astype(np.float32)[:, None, :, :]
return x, {target}"""
    if source == "iris":
        return "from sklearn.datasets import load_iris\n\nd = load_iris()\nreturn d.data.astype(np.float32), d.target.astype(np.int64)"
    if source in ("moons", "circles"):
        extra = f", factor={p['factor']!r}" if source == "circles" else ""
        return f"""
from sklearn.datasets import make_{source}

x, y = make_{source}({p['n_samples']!r}, noise={p['noise']!r}{extra}, random_state={seed})
return x.{_F32}, y.astype(np.int64)"""
    if source == "moons_reconstruct":  # the points are their own targets (a 2-D VAE)
        return f"""
from sklearn.datasets import make_moons

x, _ = make_moons({p['n_samples']!r}, noise={p['noise']!r}, random_state={seed})
x = x.{_F32}
return x, x.copy()"""
    if source == "blobs":
        return f"""
from sklearn.datasets import make_blobs

x, y = make_blobs({p['n_samples']!r}, centers={p['centers']!r}, cluster_std={p['spread']!r}, random_state={seed})
return x.{_F32}, y.astype(np.int64)"""
    if source == "xor":
        return f"""
rng = np.random.default_rng({seed})
x = rng.uniform(-1, 1, size=({p['n_samples']!r}, 2))
y = (x[:, 0] * x[:, 1] < 0).astype(np.int64)
x = x + rng.normal(0, {p['noise']!r}, x.shape)
return x.{_F32}, y"""
    if source == "sine":
        return f"""
rng = np.random.default_rng({seed})
x = rng.uniform(-2 * np.pi, 2 * np.pi, size=({p['n_samples']!r}, 1))
y = np.sin(x[:, 0]) + rng.normal(0, {p['noise']!r}, {p['n_samples']!r})
return x.{_F32}, y.{_F32}"""
    if source == "long_memory":
        return f"""
n, t, lag = {p['n_samples']!r}, {p['length']!r}, {p['lag']!r}
rng = np.random.default_rng({seed})
signs = rng.choice([-1.0, 1.0], size=(n, t))
y = (signs[:, t - 1 - lag] > 0).astype(np.int64)
x = np.zeros((n, t, 2), dtype=np.float32)
x[:, :, 0] = signs + rng.normal(0, {p['noise']!r}, (n, t))
x[:, t - 1 - lag, 1] = 1.0  # the marker: "remember this one"
return x, y"""
    if source == "sine_forecast":
        return f"""
rng = np.random.default_rng({seed})
n, t, h = {p['n_samples']!r}, {p['length']!r}, {p['horizon']!r}
freq = rng.uniform(0.1, 0.4, (n, 1))
phase = rng.uniform(0, 2 * np.pi, (n, 1))
steps = np.arange(t + h)[None, :]
wave = np.sin(freq * steps + phase)
x = wave[:, :t] + rng.normal(0, {p['noise']!r}, (n, t))
return x[:, :, None].{_F32}, wave[:, t + h - 1].{_F32}"""
    return None


_SPLIT_CODE = '''
def split_indices(y, classification, seed, validation, test, stratify):
    """The same seeded train/validation/test split as nnstudio (stratified where every class fits)."""
    from sklearn.model_selection import train_test_split

    idx = np.arange(len(y))

    def stratify_on(labels, fraction):
        if not classification or not stratify:
            return None
        _, counts = np.unique(labels, return_counts=True)
        held = math.ceil(fraction * len(labels))
        return labels if counts.min() >= 2 and min(held, len(labels) - held) >= len(counts) else None

    rest, test_idx = (idx, idx[:0]) if test == 0 else train_test_split(
        idx, test_size=test, random_state=seed, stratify=stratify_on(y, test))
    if validation == 0:
        return rest, rest[:0], test_idx
    train_idx, val_idx = train_test_split(
        rest, test_size=validation / (1.0 - test), random_state=seed + 1,
        stratify=stratify_on(y[rest], validation / (1.0 - test)))
    return train_idx, val_idx, test_idx
'''

# Preprocessing steps the script can redo: code that fits on ``x_train`` and transforms ``splits``.
_STEP_CODE = {
    "standardize": '''
mean = np.nanmean(x_train, axis=0)
std = np.nanstd(x_train, axis=0)
std = np.where(std > 1e-12, std, 1.0)
splits = [((x - mean) / std).astype(np.float32) for x in splits]''',
    "image_resize": '''
def resize(x):
    t = torch.from_numpy(np.ascontiguousarray(x.astype(np.float32)))
    shrinking = {h} < t.shape[-2] or {w} < t.shape[-1]
    with torch.no_grad():
        return F.interpolate(t, size=({h}, {w}), mode="bilinear", align_corners=False, antialias=shrinking).numpy()
splits = [resize(x) for x in splits]''',
}


def data_code_exact(project: Project, bundle: DataBundle) -> str | None:
    """The script's ``load_data()``, or None when the data must come from the sidecar file."""
    data = project.data
    source = _source_code(data.source, data.params, data.seed)
    if source is None or bundle.extra or any(s.kind not in _STEP_CODE for s in data.preprocessing):
        return None
    steps = []
    for s in data.preprocessing:
        code = _STEP_CODE[s.kind]
        if s.kind == "image_resize":
            code = code.replace("{h}", repr(int(s.params["height"]))).replace("{w}", repr(int(s.params["width"])))
        steps.append(f"    # {s.kind}, fitted on the training split only\n    x_train = splits[0]" + textwrap.indent(code, "    "))
    x_dtype = "torch.long" if bundle.input_kind == "tokens" else "torch.float32"
    y_dtype = "torch.long" if bundle.task == CLASSIFICATION else "torch.float32"
    sp = data.split
    return (
        f"def make_dataset():\n{textwrap.indent(source.strip(), '    ')}\n\n\n"
        f"{_SPLIT_CODE.strip()}\n\n\n"
        "def load_data():\n"
        '    """Train, validation and test tensors, prepared as in nnstudio."""\n'
        "    x, y = make_dataset()\n"
        f"    parts = split_indices(y, {bundle.task == CLASSIFICATION}, {data.seed!r}, {sp.validation!r}, {sp.test!r}, {bool(sp.stratify)})\n"
        "    splits = [x[i] for i in parts]\n"
        + "".join(f"{s}\n" for s in steps)
        + f"    xs = [torch.as_tensor(np.ascontiguousarray(s), dtype={x_dtype}) for s in splits]\n"
        f"    ys = [torch.as_tensor(np.ascontiguousarray(y[i]), dtype={y_dtype}) for i in parts]\n"
        "    return xs[0], ys[0], xs[1], ys[1], xs[2], ys[2]\n"
    )


def sidecar_code_exact(name: str) -> str:
    return (
        "def load_data():\n"
        f"    {_doc(f'The prepared splits, saved by nnstudio beside this script ({name}).')}\n"
        f"    arrays = np.load(Path(__file__).with_name({name!r}), allow_pickle=False)\n"
        "    t = {k: torch.from_numpy(arrays[k]) for k in arrays.files}\n"
        '    return t["x_train"], t["y_train"], t["x_val"], t["y_val"], t["x_test"], t["y_test"]\n'
    )


def sidecar_arrays(bundle: DataBundle) -> dict[str, np.ndarray]:
    return {
        "x_train": bundle.train.x.numpy(), "y_train": bundle.train.y.numpy(),
        "x_val": bundle.validation.x.numpy(), "y_val": bundle.validation.y.numpy(),
        "x_test": bundle.test.x.numpy(), "y_test": bundle.test.y.numpy(),
    }


# ----------------------------------------------------------------------------- the idiomatic spelling
# Preprocessing steps, spelled on the three arrays of a split: statistics come from x_train alone.
_STEPS_IDIOMATIC = {
    "standardize": '''
# Standardize: every feature to mean 0 and standard deviation 1, using the training set's statistics
# only (the validation and test examples must stay unseen until they are scored).
mean, std = x_train.mean(axis=0), x_train.std(axis=0)
std = np.where(std > 1e-12, std, 1.0)  # a constant feature is left as it is
x_train, x_val, x_test = [((x - mean) / std).astype(np.float32) for x in (x_train, x_val, x_test)]''',
    "image_resize": '''
# Resize every image to {h}x{w} pixels (smoothed first when shrinking, so fine detail does not alias).
def resize(x):
    t = torch.from_numpy(x.astype(np.float32))
    shrinking = {h} < t.shape[-2] or {w} < t.shape[-1]
    return F.interpolate(t, size=({h}, {w}), mode="bilinear", align_corners=False, antialias=shrinking).numpy()

x_train, x_val, x_test = [resize(x) for x in (x_train, x_val, x_test)]''',
}


def _stratify_on(y: np.ndarray, fraction: float, project: Project, classification: bool) -> bool:
    """Whether nnstudio stratifies this cut (the rule of ``assemble.split_indices``): every class twice, and
    room for one of each on both sides."""
    if not classification or not project.data.split.stratify:
        return False
    _, counts = np.unique(y, return_counts=True)
    held = math.ceil(fraction * len(y))
    return bool(counts.min() >= 2 and min(held, len(y) - held) >= len(counts))


def _split_lines(project: Project, classification: bool) -> list[str]:
    """The two ``train_test_split`` calls that cut the same test and validation examples as nnstudio."""
    data = project.data
    val, test = data.split.validation, data.split.test
    raw = load_raw(data)
    train_idx, val_idx, _ = split_indices(raw, data)
    strat_test = test > 0 and _stratify_on(raw.y, test, project, classification)
    rest_y = raw.y[np.concatenate([train_idx, val_idx])]
    strat_val = val > 0 and _stratify_on(rest_y, val / (1.0 - test), project, classification)
    lines = []
    if test > 0:
        lines.append(f"# Set {test:.0%} of the examples aside as the test set, never used for training or for choices.")
        lines.append(f"x_rest, x_test, y_rest, y_test = train_test_split(x, y, test_size={test!r}, random_state={data.seed!r}"
                     + (", stratify=y)" if strat_test else ")"))
    else:
        lines += ["x_rest, y_rest = x, y", "x_test, y_test = x[:0], y[:0]  # this project keeps no test set"]
    if val > 0:
        size = f"{val!r} / (1 - {test!r})" if test > 0 else repr(val)
        lines.append(f"# Then {val:.0%} of all the examples (a larger share of the rest) as the validation set.")
        lines.append("x_train, x_val, y_train, y_val = train_test_split(")
        lines.append(f"    x_rest, y_rest, test_size={size}, random_state={data.seed + 1!r}"
                     + (", stratify=y_rest)" if strat_val else ")"))
    else:
        lines += ["x_train, y_train = x_rest, y_rest", "x_val, y_val = x[:0], y[:0]  # this project keeps no validation set"]
    if strat_test or strat_val:
        lines.append("# stratify= keeps every class's share of the examples the same in each part.")
    return lines


def _dataset_helper(x_dtype: str, y_dtype: str, classification: bool) -> str:
    what = "class numbers as int64, what the loss expects" if classification else "targets as float32"
    return (
        "def dataset(x, y):\n"
        f"    # A TensorDataset pairs each input with its target ({what}).\n"
        f"    return TensorDataset(torch.as_tensor(x, dtype={x_dtype}), torch.as_tensor(y, dtype={y_dtype}))\n"
    )


def data_code_idiomatic(project: Project, bundle: DataBundle) -> str | None:
    """``make_dataset()`` and a ``load_data()`` returning three TensorDatasets, or None for the sidecar file."""
    data = project.data
    source = _source_code(data.source, data.params, data.seed)
    if source is None or bundle.extra or any(s.kind not in _STEPS_IDIOMATIC for s in data.preprocessing):
        return None
    classification = bundle.task == CLASSIFICATION
    body = [
        "from sklearn.model_selection import train_test_split", "", "x, y = make_dataset()",
        *_split_lines(project, classification),
    ]
    for s in data.preprocessing:
        code = _STEPS_IDIOMATIC[s.kind]
        if s.kind == "image_resize":
            code = code.replace("{h}", repr(int(s.params["height"]))).replace("{w}", repr(int(s.params["width"])))
        body += code.split("\n")
    x_dtype = "torch.long" if bundle.input_kind == "tokens" else "torch.float32"
    y_dtype = "torch.long" if classification else "torch.float32"
    body += ["", *_dataset_helper(x_dtype, y_dtype, classification).rstrip().split("\n"), "",
             "return dataset(x_train, y_train), dataset(x_val, y_val), dataset(x_test, y_test)"]
    return (
        f"def make_dataset():\n{textwrap.indent(source.strip(), '    ')}\n\n\n"
        "def load_data():\n"
        '    """Training, validation and test sets, split and prepared as in nnstudio."""\n'
        + textwrap.indent("\n".join(body), "    ") + "\n"
    )


def sidecar_code_idiomatic(name: str) -> str:
    return (
        "def load_data():\n"
        f"    {_doc(f'The prepared splits, saved by nnstudio beside this script ({name}).')}\n"
        f"    arrays = np.load(Path(__file__).with_name({name!r}), allow_pickle=False)\n\n"
        "    def dataset(split):\n"
        "        # A TensorDataset pairs each input with its target.\n"
        '        return TensorDataset(torch.from_numpy(arrays[f"x_{split}"]), torch.from_numpy(arrays[f"y_{split}"]))\n\n'
        '    return dataset("train"), dataset("val"), dataset("test")\n'
    )
