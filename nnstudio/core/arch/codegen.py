"""Export a project as a self-contained PyTorch script in the style of the lecture's SimpleNN.

The script holds an ``nn.Module`` subclass (layers in ``__init__``, one line per layer in ``forward``), the
data loading, the loss, the optimizer and a training loop, and needs only torch and numpy (plus
scikit-learn where a built-in dataset is regenerated). Built-in datasets are regenerated with the same
seed and split; anything else (the user's files, preprocessing steps the script cannot redo) is written
beside the script as a ``.npz`` of the prepared splits. Weights are initialised and batches shuffled with
the same seeds as in the app, so a run of the script follows the app's run closely.
"""

from __future__ import annotations

import builtins
import inspect
import keyword
import textwrap
import unicodedata
from pathlib import Path

import numpy as np
from torch import nn

from nnstudio.core.arch import modules as helper_modules
from nnstudio.core.arch.builder import build
from nnstudio.core.arch.spec import ArchitectureSpec, LayerSpec
from nnstudio.core.data.assemble import build as build_data
from nnstudio.core.data.bundle import CLASSIFICATION, DataBundle
from nnstudio.core.errors import NNStudioError
from nnstudio.core.project import Project
from nnstudio.core.registry import LOSSES, OPTIMIZERS


# ----------------------------------------------------------------------------- text from the project
# Every string that comes from the project (names, columns, paths) reaches the script only as a literal whose
# value is exactly that string (repr() for values, _doc for docstrings) or as a class name that class_name_for
# reduced to letters and digits: a project file can never add code to the script.
def _doc(text: str) -> str:
    """``text`` as a triple-quoted string literal (a docstring) whose value is exactly ``text``.

    Newlines stay real so the docstring reads as prose; quotes and backslashes are escaped, and every other
    character that is not printable (NUL, CR, tab, lone surrogates) becomes repr()'s escape, so no text can
    end the string early, start an escape such as ``\\N{...}``, or stop the file from parsing."""
    out = []
    for ch in text:
        if ch in '\\"':
            out.append("\\" + ch)
        elif ch == "\n" or ch.isprintable():
            out.append(ch)
        else:
            out.append(repr(ch)[1:-1])  # never a quote: those are printable
    return '"""' + "".join(out) + '"""'


# Names the script defines or imports at its top level: the model class must not shadow any of them.
_SCRIPT_NAMES = frozenset({
    "math", "Path", "np", "torch", "F", "nn", "argparse", "json", "SEED", "EPOCHS", "BATCH_SIZE", "L1", "GRAD_CLIP",
    "CLASSIFICATION", "make_dataset", "split_indices", "load_data", "loss_fn", "reset_weights", "evaluate", "train",
}) | {c.__name__ for c in helper_modules.HELPER_MODULES}


def class_name_for(name: str) -> str:
    """A CamelCase Python class name from the architecture's name: "small cnn" -> "SmallCnn", "SmallCNN" stays.

    Only characters Python accepts in a name are kept, and a name that is a keyword ("none" -> "None"), a
    builtin or one of the script's own names gets the prefix "Net", so the class never breaks the script."""
    words = "".join(ch if ch.isalnum() and f"a{ch}".isidentifier() else " " for ch in name).split()
    # Python reads names in NFKC form ("Ｆ" is "F"), so the checks below look at that form.
    class_name = unicodedata.normalize("NFKC", "".join(w[0].upper() + w[1:] for w in words)) or "Network"
    if not class_name.isidentifier() or keyword.iskeyword(class_name) or class_name in _SCRIPT_NAMES or hasattr(builtins, class_name):
        class_name = f"Net{class_name}"
    return class_name if class_name.isidentifier() else "Network"


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


def _data_code(project: Project, bundle: DataBundle) -> str | None:
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


def _sidecar_code(name: str) -> str:
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


# ----------------------------------------------------------------------------- the model class
def _module_expr(module: nn.Module) -> str:
    """Python that constructs ``module``: torch's own repr for torch layers, our helpers' arguments."""
    cls = type(module)
    if hasattr(module, "constructor_args"):
        return f"{cls.__name__}({module.constructor_args()})"
    if cls.__module__.startswith("torch.nn") and not list(module.children()):
        return f"nn.{module!r}"
    raise NNStudioError(f"Cannot export a {cls.__name__} layer as code yet; remove it or train inside nnstudio")


def _model_lines(layers: list[LayerSpec], module: nn.Sequential, prefix: str, init: list[str], fwd: list[str], indent: str, helpers: set) -> None:
    for (name, child), spec in zip(module.named_children(), layers, strict=True):
        attr = f"{prefix}{name}"
        if spec.children is not None:  # a residual block: the skip connection spelled out
            fwd.append(f"{indent}skip = x  # residual block {attr}: x + f(x)")
            _model_lines(spec.children, child.body, f"{attr}_", init, fwd, indent, helpers)
            fwd.append(f"{indent}x = x + skip")
            continue
        if hasattr(child, "constructor_args"):
            helpers.add(type(child))
        init.append(f"        self.{attr} = {_module_expr(child)}")
        fwd.append(f"{indent}x = self.{attr}(x)")


def model_code(spec: ArchitectureSpec, input_shape: tuple[int, ...]) -> tuple[str, str, str]:
    """(helper class sources, the model class, its name) for ``spec`` built on ``input_shape``."""
    built = build(spec, input_shape)
    init: list[str] = []
    fwd: list[str] = []
    helpers: set[type] = set()
    _model_lines(spec.layers, built.module, "", init, fwd, "        ", helpers)
    # Residual blocks use a local ``skip`` each; nested ones need their own name.
    depth, out = 0, []
    for line in fwd:
        if "skip = x" in line:
            depth += 1
            line = line.replace("skip = x", f"skip{depth} = x")
            out.append(line)
        elif line.strip() == "x = x + skip":
            out.append(line.replace("skip", f"skip{depth}"))
            depth -= 1
        else:
            out.append(line)
    class_name = class_name_for(spec.name)
    ordered = [c for c in helper_modules.HELPER_MODULES if c in helpers]
    helper_src = "\n\n".join(inspect.getsource(c) for c in ordered)
    body = "\n".join(init) or "        pass"
    forward = "\n".join(out)
    model = f'''class {class_name}(nn.Module):
    {_doc(f"{spec.name}: {len(built.layers)} layers, {built.total_params:,} parameters, input {tuple(input_shape)}.")}

    def __init__(self):
        super().__init__()
{body}

    def forward(self, x):
{forward}
        return x
'''
    return helper_src, model, class_name


# ----------------------------------------------------------------------------- loss, optimizer, loop
def _loss_code(project: Project, bundle: DataBundle) -> str:
    t = project.training
    p = LOSSES.get(t.loss).validate(t.loss_params, "training.loss_params")
    n = bundle.num_classes
    classification = bundle.task == CLASSIFICATION

    def elementwise(expr: str) -> str:
        if classification:
            return f"    target = F.one_hot(y, {n!r}).to(out.dtype)\n    return {expr.format(o='out', y='target')}"
        return f"    return {expr.format(o='out.reshape(y.shape)', y='y')}"

    if t.loss == "cross_entropy":
        body = f"    return F.cross_entropy(out, y, label_smoothing={p.get('label_smoothing', 0.0)!r})"
    elif t.loss == "bce":
        body = "    return F.binary_cross_entropy_with_logits(out.reshape(-1), y.to(out.dtype))"
    elif t.loss == "mse":
        body = elementwise("F.mse_loss({o}, {y})")
    elif t.loss == "mae":
        body = elementwise("F.l1_loss({o}, {y})")
    elif t.loss == "huber":
        body = elementwise(f"F.huber_loss({{o}}, {{y}}, delta={p.get('delta', 1.0)!r})")
    elif t.loss == "hinge":
        body = f"    return F.multi_margin_loss(out, y, margin={p.get('margin', 1.0)!r})"
    else:
        raise NNStudioError(f"The {t.loss} loss cannot be exported as code yet; choose cross-entropy, MSE, MAE or Huber")
    return f"def loss_fn(out, y):\n{body}\n"


def _optimizer_code(project: Project) -> str:
    t = project.training
    p = OPTIMIZERS.get(t.optimizer).validate(t.optimizer_params, "training.optimizer_params")
    common = f"lr={t.lr!r}, weight_decay={t.weight_decay!r}"
    if t.optimizer == "sgd":
        nesterov = bool(p["nesterov"] and p["momentum"] > 0)
        return f"torch.optim.SGD(model.parameters(), {common}, momentum={p['momentum']!r}, nesterov={nesterov})"
    if t.optimizer in ("adam", "adamw"):
        cls = "Adam" if t.optimizer == "adam" else "AdamW"
        return f"torch.optim.{cls}(model.parameters(), {common}, betas=({p['beta1']!r}, {p['beta2']!r}))"
    if t.optimizer == "rmsprop":
        return f"torch.optim.RMSprop(model.parameters(), {common}, alpha={p['alpha']!r}, momentum={p['momentum']!r})"
    if t.optimizer == "adagrad":
        return (f"torch.optim.Adagrad(model.parameters(), {common}, lr_decay={p['lr_decay']!r}, "
                f"initial_accumulator_value={p['initial_accumulator']!r})")
    raise NNStudioError(f"The {t.optimizer} optimizer cannot be exported as code yet; choose SGD, Adam, AdamW, RMSprop or Adagrad")


_LOOP = '''
def reset_weights(model, seed):
    """Initialise every layer from ``seed``, in the same order as nnstudio, so runs are repeatable."""
    torch.manual_seed(seed)
    for module in model.modules():
        if module is not model and hasattr(module, "reset_parameters"):
            module.reset_parameters()
    return model


@torch.no_grad()
def evaluate(model, x, y):
    model.eval()
    out = torch.cat([model(x[i : i + 2048]) for i in range(0, len(x), 2048)])
    model.train()
    result = {"loss": float(loss_fn(out, y))}
    if CLASSIFICATION:
        predicted = (out.reshape(-1) > 0).long() if out.ndim == 1 or out.shape[-1] == 1 else out.argmax(dim=-1)
        result["accuracy"] = float((predicted == y).float().mean())
    else:
        result["rmse"] = float(torch.sqrt(torch.mean((out.reshape(y.shape) - y) ** 2)))
    return result


def train(epochs=EPOCHS):
    x_train, y_train, x_val, y_val, x_test, y_test = load_data()
    model = reset_weights(MODEL_CLASS(), SEED)
    torch.manual_seed(SEED)
    optimizer = OPTIMIZER
    weights = [p for p in model.parameters() if p.ndim > 1]
    n = len(x_train)
    generator = torch.Generator().manual_seed(SEED * 1_000_003)
    history = []
    for epoch in range(1, epochs + 1):
        model.train()
        perm = torch.randperm(n, generator=generator)
        xs, ys = x_train[perm], y_train[perm]
        total = 0.0
        for start in range(0, n, BATCH_SIZE):
            xb, yb = xs[start : start + BATCH_SIZE], ys[start : start + BATCH_SIZE]
            loss = loss_fn(model(xb), yb)
            if L1:
                loss = loss + L1 * sum(w.abs().sum() for w in weights)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if GRAD_CLIP:
                nn.utils.clip_grad_norm_(model.parameters(), GRAD_CLIP)
            optimizer.step()
            total += loss.item() * len(yb)
        val = evaluate(model, x_val, y_val)
        history.append(val)
        shown = "  ".join(f"val_{k} {v:.4f}" for k, v in val.items())
        print(f"epoch {epoch:>3}/{epochs}  train_loss {total / n:.4f}  {shown}", flush=True)
    return model, history


if __name__ == "__main__":
    import argparse
    import json

    first_line = __doc__.splitlines()[0]
    # argparse fills in %(prog)s where the text holds it; then doubling every % keeps the text as it is
    parser = argparse.ArgumentParser(description=first_line.replace("%", "%%") if "%(prog)" in first_line else first_line)
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    args = parser.parse_args()
    model, history = train(args.epochs)
    print("FINAL " + json.dumps({f"val_{k}": v for k, v in history[-1].items()}))
'''


def generate(
    project: Project, base_dir: Path | None = None, sidecar_name: str = "data.npz", script_name: str = "script.py",
) -> tuple[str, dict[str, np.ndarray] | None]:
    """The script's text and, when the data cannot be regenerated, the arrays for the sidecar file."""
    bundle = build_data(project.data, base_dir)
    helpers, model, class_name = model_code(project.architecture, bundle.input_shape)
    data = _data_code(project, bundle)
    arrays = None
    if data is None:
        data, arrays = _sidecar_code(sidecar_name), sidecar_arrays(bundle)
    t = project.training
    skipped = [what for what, on in (
        ("the learning-rate schedule", getattr(t, "schedule", "none") != "none"),
        ("early stopping", getattr(t, "early_stopping", False)),
        ("training-time augmentation", bool(bundle.pipeline is not None and getattr(bundle.pipeline, "augments", False))),
    ) if on]
    note = f"\nNot included: {', '.join(skipped)} (nnstudio applies them; this script trains without).\n" if skipped else ""
    needs = "and scikit-learn (to regenerate the dataset)" if arrays is None else f"and the prepared data in {sidecar_name} beside it"
    doc = (
        f"{project.name}: {project.architecture.name}, exported from nnstudio as plain PyTorch.\n\n"
        f"Run it with ``python {script_name}`` (``--epochs N`` to change the number of epochs). It needs torch and numpy\n"
        f"{needs}.\n{bundle.description}{note}"
    )
    header = f'''{_doc(doc)}

import math
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

SEED = {t.seed!r}
EPOCHS = {t.epochs!r}
BATCH_SIZE = {t.batch_size!r}
L1 = {t.l1!r}
GRAD_CLIP = {getattr(t, "grad_clip", 0.0)!r}
CLASSIFICATION = {bundle.task == CLASSIFICATION}
'''
    parts = [header]
    if helpers:
        parts.append("\n# Layers nnstudio adds to torch's own (the same code the app trains).\n" + helpers)
    parts.append("\n" + model)
    parts.append("\n" + data)
    parts.append("\n" + _loss_code(project, bundle))
    loop = _LOOP.replace("MODEL_CLASS", class_name).replace("OPTIMIZER", _optimizer_code(project))
    parts.append(loop)
    return "\n".join(p.rstrip("\n") + "\n" for p in parts), arrays


def export_project(project: Project, path: Path, base_dir: Path | None = None) -> list[Path]:
    """Write the script to ``path`` (and its ``.npz`` sidecar when needed); return the files written."""
    path = Path(path)
    sidecar = path.with_name(f"{path.stem}_data.npz")
    text, arrays = generate(project, base_dir, sidecar.name, path.name)
    written = [path]
    try:
        path.write_text(text, encoding="utf-8")
        if arrays is not None:
            with open(sidecar, "wb") as fh:
                np.savez_compressed(fh, **arrays)
            written.append(sidecar)
    except OSError as exc:
        raise NNStudioError(f"Cannot write {path}: {exc.strerror or exc}; choose another folder") from None
    return written
