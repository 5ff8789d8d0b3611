"""Mutation check: plant plausible bugs one at a time in a copy of the package and run the tests that should
catch them. A bug that survives means the tests check that something happens, not that the number is right.

Each mutation is (file, exact old text, new text, test files). The old text must occur exactly once in the
file, or the script stops before running anything: one that matched nothing would leave the program
unchanged and prove nothing, one that matched twice would plant two bugs. ``nnstudio/`` and ``tests/`` are copied to a
temporary folder; that copy (not the editable install) is what the tests import, which is checked first.
The named tests must pass on the unmutated copy, then each mutation is applied, its tests run with
``-x -q`` under a timeout, and the file restored.

    .venv/bin/python bench/mutation_check.py [--only NAME ...] [--timeout 300] [--list]

Prints one row per bug (caught, with the first test that failed / SURVIVED / HUNG / BROKEN) and exits 1
unless every bug was caught (2 when the check itself cannot run).
Not part of ``make test``: it runs the relevant test files once per mutation (a few minutes in all).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

LOSSES = "tests/reference/test_ref_losses.py"
METRICS = "tests/reference/test_ref_metrics.py"
OPTIMIZERS = "tests/reference/test_ref_optimizers.py"
OPTIONS = "tests/reference/test_ref_training_options.py"
EVAL_MODE = "tests/core/evaluate/test_semantic_eval_mode.py"
BASELINES = "tests/core/evaluate/test_semantic_baselines.py"
GRADCAM = "tests/reference/test_ref_gradcam.py"
ATTRIBUTIONS = "tests/core/interpret/test_semantic_attributions.py"


@dataclass(frozen=True)
class Mutation:
    name: str
    file: str
    old: str
    new: str
    tests: tuple[str, ...]


MUTATIONS: tuple[Mutation, ...] = (
    # The six that survived the first mutation audit.
    Mutation("cross-entropy summed instead of averaged", "nnstudio/core/training/losses.py",
             "F.cross_entropy(out, y, label_smoothing=smoothing)",
             'F.cross_entropy(out, y, label_smoothing=smoothing, reduction="sum")', (LOSSES,)),
    Mutation("MSE computed as MAE", "nnstudio/core/training/losses.py",
             "_regression_style(F.mse_loss, task, num_classes)", "_regression_style(F.l1_loss, task, num_classes)",
             (LOSSES,)),
    Mutation("Grad-CAM's ReLU dropped", "nnstudio/core/interpret/methods.py",
             'relu_attributions=call.params["positive_only"]', "relu_attributions=False", (GRADCAM, ATTRIBUTIONS)),
    Mutation("threshold >= as >", "nnstudio/core/evaluate/report.py",
             "(np.asarray(p_positive) >= threshold)", "(np.asarray(p_positive) > threshold)", (METRICS,)),
    Mutation("validation in train mode", "nnstudio/core/training/engine.py",
             "        self.model.eval()\n        try:\n            outputs = torch.cat(",
             "        self.model.train()\n        try:\n            outputs = torch.cat(", (OPTIONS, EVAL_MODE)),
    Mutation("majority baseline counted on the test split", "nnstudio/core/evaluate/report.py",
             "np.bincount(bundle.train.y.numpy()", "np.bincount(bundle.test.y.numpy()", (METRICS, BASELINES)),
    # Further bugs in places where a wrong number reaches the screen.
    Mutation("Adam ignores the learning rate", "nnstudio/core/training/optimizers.py",
             "_fast(torch.optim.Adam, params, lr=lr,", "_fast(torch.optim.Adam, params, lr=1e-3,", (OPTIMIZERS,)),
    Mutation("Adam ignores beta2", "nnstudio/core/training/optimizers.py",
             'torch.optim.Adam, params, lr=lr, betas=(p["beta1"], p["beta2"])',
             'torch.optim.Adam, params, lr=lr, betas=(p["beta1"], 0.999)', (OPTIMIZERS,)),
    Mutation("SGD ignores L2 (weight decay)", "nnstudio/core/training/optimizers.py",
             "nesterov=nesterov, weight_decay=weight_decay)", "nesterov=nesterov)", (OPTIMIZERS,)),
    Mutation("trainer does not pass L2 to the optimizer", "nnstudio/core/training/engine.py",
             "spec.lr, spec.weight_decay, self.spec.optimizer_params", "spec.lr, 0.0, self.spec.optimizer_params",
             (OPTIONS,)),
    Mutation("L1 penalty squares the weights", "nnstudio/core/training/engine.py",
             "sum(w.abs().sum() for w in weights)", "sum((w**2).sum() for w in weights)", (OPTIONS,)),
    Mutation("gradient clipped by value, not by norm", "nnstudio/core/training/engine.py",
             "nn.utils.clip_grad_norm_(params, self.spec.grad_clip, foreach=True)",
             "nn.utils.clip_grad_value_(params, self.spec.grad_clip, foreach=True)", (OPTIONS,)),
    Mutation("label smoothing ignored", "nnstudio/core/training/losses.py",
             "F.cross_entropy(out, y, label_smoothing=smoothing)", "F.cross_entropy(out, y)", (LOSSES, OPTIONS)),
    Mutation("Huber's delta ignored", "nnstudio/core/training/losses.py",
             "F.huber_loss(out, y, delta=delta)", "F.huber_loss(out, y)", (LOSSES,)),
    Mutation("KL divergence in the wrong direction", "nnstudio/core/training/losses.py",
             'F.kl_div(F.log_softmax(out, dim=1), target, reduction="batchmean")',
             'F.kl_div(torch.log(target.clamp_min(1e-12)), F.softmax(out, dim=1), reduction="batchmean")', (LOSSES,)),
    Mutation("best epoch ignores the monitor's direction", "nnstudio/core/training/callbacks.py",
             "sign = -1.0 if higher_is_better(monitor) else 1.0", "sign = 1.0", (OPTIONS,)),
    Mutation("reduce-on-plateau minimises accuracy", "nnstudio/core/training/schedules.py",
             'mode = "max" if monitor == "val_accuracy" else "min"', 'mode = "min"', (OPTIONS,)),
    Mutation("early stopping waits one epoch too many", "nnstudio/core/training/callbacks.py",
             "if self.waited >= self.patience:", "if self.waited > self.patience:", (OPTIONS,)),
    Mutation("early stopping does not restore the best weights", "nnstudio/core/training/callbacks.py",
             "            state.model.load_state_dict(self.best_weights)\n", "", (OPTIONS,)),
    Mutation("standardize fitted on the test split", "nnstudio/core/data/assemble.py",
             "fit_pipeline(spec.preprocessing, raw.x[train_idx], raw.y[train_idx]",
             "fit_pipeline(spec.preprocessing, raw.x[test_idx], raw.y[test_idx]", (OPTIONS,)),
    Mutation("stratify switch ignored", "nnstudio/core/data/assemble.py",
             "if raw.task != CLASSIFICATION or not spec.split.stratify:", "if raw.task != CLASSIFICATION:", (OPTIONS,)),
    Mutation("a logit of exactly 0 counted as the positive class", "nnstudio/core/evaluate/metrics.py",
             "return (outputs.reshape(-1) > 0).long()", "return (outputs.reshape(-1) >= 0).long()", (METRICS,)),
    Mutation("RMSE without the square root", "nnstudio/core/evaluate/metrics.py",
             "return float(torch.sqrt(torch.mean((outputs.reshape(targets.shape) - targets) ** 2)))",
             "return float(torch.mean((outputs.reshape(targets.shape) - targets) ** 2))", (METRICS,)),
)


def check_mutations(mutations: tuple[Mutation, ...]) -> list[str]:
    """Every reason the list cannot be run as written: old text not found exactly once, a test file missing."""
    problems = []
    for m in mutations:
        path = ROOT / m.file
        if not path.is_file():
            problems.append(f"{m.name}: {m.file} does not exist")
            continue
        count = path.read_text(encoding="utf-8").count(m.old)
        if count != 1:
            problems.append(f"{m.name}: the old text occurs {count} times in {m.file} (must be exactly once): {m.old!r}")
        problems += [f"{m.name}: test file {t} does not exist" for t in m.tests if not (ROOT / t).is_file()]
    return problems


def make_copy() -> Path:
    work = Path(tempfile.mkdtemp(prefix="nnstudio-mutation-"))
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")
    for folder in ("nnstudio", "tests"):
        shutil.copytree(ROOT / folder, work / folder, ignore=ignore)
    shutil.copy2(ROOT / "pyproject.toml", work / "pyproject.toml")  # pytest's settings (markers, timeout)
    return work


def environment(work: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(PYTHONPATH=str(work), QT_QPA_PLATFORM="offscreen", PYTHONDONTWRITEBYTECODE="1")
    return env


def imports_the_copy(python: str, work: Path) -> bool:
    """The editable install points at the checkout; the copy must win, or every mutation would be missed."""
    out = subprocess.run([python, "-c", "import nnstudio; print(nnstudio.__file__)"], cwd=work, env=environment(work),
                         capture_output=True, text=True, timeout=120)
    return out.returncode == 0 and Path(out.stdout.strip()).resolve().is_relative_to(work.resolve())


def first_failure(output: str) -> str:
    """The first failing test's name from pytest's short summary (``FAILED path::name - reason``)."""
    for line in output.splitlines():
        if line.startswith("FAILED "):
            return line.removeprefix("FAILED ").split(" - ", 1)[0].split("::", 1)[-1]
    return ""


def run_tests(python: str, work: Path, tests: tuple[str, ...], timeout: float) -> tuple[str, float, str]:
    """(outcome, seconds, output): pass, fail, hung or broken (pytest could not run them)."""
    cmd = [python, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests]
    started = time.perf_counter()
    try:
        out = subprocess.run(cmd, cwd=work, env=environment(work), capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "hung", time.perf_counter() - started, ""
    seconds = time.perf_counter() - started
    return {0: "pass", 1: "fail"}.get(out.returncode, "broken"), seconds, out.stdout + out.stderr


def _tail(output: str, lines: int = 6) -> str:
    return "\n".join(output.strip().splitlines()[-lines:])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=[], help="run only mutations whose name contains one of these words")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per test run before it counts as hung")
    parser.add_argument("--python", default=sys.executable, help="the interpreter with nnstudio's dependencies")
    parser.add_argument("--list", action="store_true", help="list the mutations and exit")
    args = parser.parse_args(argv)

    mutations = tuple(m for m in MUTATIONS if not args.only or any(w.lower() in m.name.lower() for w in args.only))
    if args.list:
        for m in mutations:
            print(f"{m.name}  [{m.file}]  -> {', '.join(m.tests)}")
        return 0
    if not mutations:
        print("No mutation matches --only", file=sys.stderr)
        return 2
    problems = check_mutations(mutations)
    if problems:
        print("Cannot run the mutation check:", *problems, sep="\n  ", file=sys.stderr)
        return 2

    work = make_copy()
    try:
        if not imports_the_copy(args.python, work):
            print(f"Cannot run the mutation check: {args.python} does not import nnstudio from the copy in {work}",
                  file=sys.stderr)
            return 2
        needed = tuple(dict.fromkeys(t for m in mutations for t in m.tests))
        outcome, seconds, output = run_tests(args.python, work, needed, args.timeout)
        if outcome != "pass":
            print(f"Cannot run the mutation check: the tests do not pass on the unmutated copy ({outcome}):\n"
                  + _tail(output), file=sys.stderr)
            return 2
        print(f"unmutated: {len(needed)} test files pass ({seconds:.0f} s)\n")
        rows = []
        width = max(len(m.name) for m in mutations)
        for m in mutations:
            target = work / m.file
            original = target.read_text(encoding="utf-8")
            target.write_text(original.replace(m.old, m.new, 1), encoding="utf-8")
            try:
                outcome, seconds, output = run_tests(args.python, work, m.tests, args.timeout)
            finally:
                target.write_text(original, encoding="utf-8")
            verdict = {"fail": "caught", "pass": "SURVIVED", "hung": "HUNG", "broken": "BROKEN"}[outcome]
            rows.append(verdict)
            by = first_failure(output) if verdict == "caught" else ", ".join(Path(t).name for t in m.tests)
            print(f"{m.name:<{width}}  {verdict:<8}  {seconds:5.1f} s  {by}", flush=True)
            if verdict == "BROKEN":
                print("    " + _tail(output).replace("\n", "\n    "))
        caught = rows.count("caught")
        print(f"\n{caught} of {len(rows)} planted bugs caught")
        return 0 if caught == len(rows) else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
