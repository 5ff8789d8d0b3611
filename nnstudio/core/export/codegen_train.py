"""The training part of an exported script: the loss, the optimizer and the loop.

``exact`` is the app's own loop spelled out (its seeds, its batch order, every option's branch) so a run of
the script follows the app's run number for number; the idiomatic spelling is the lecture's: a
``DataLoader``, ``train_one_epoch``/``evaluate`` functions and a test score at the end, with only the
code the project's settings use.
"""

from __future__ import annotations

from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.base.registry import LOSSES, OPTIMIZERS
from nnstudio.core.data.bundle import CLASSIFICATION, DataBundle
from nnstudio.core.export.codegen_vae import vae_loss_code
from nnstudio.core.project.spec import Project


# ----------------------------------------------------------------------------- loss, optimizer, loop
def loss_code_exact(project: Project, bundle: DataBundle) -> str:
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
    elif t.loss == "vae":
        return vae_loss_code(p)
    else:
        raise NNStudioError(f"The {t.loss} loss cannot be exported as code yet; choose cross-entropy, MSE, MAE or Huber")
    return f"def loss_fn(out, y):\n{body}\n"


def optimizer_code_exact(project: Project) -> str:
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


LOOP_EXACT = '''
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


# ----------------------------------------------------------------------------- the idiomatic spelling
# One line on what each loss measures, above its code in the idiomatic script.
_LOSS_NOTES = {
    "mse": "# Mean squared error: the average of the squared differences (output - target)",
    "mae": "# Mean absolute error: the average of |output - target| over every value",
    "huber": "# Huber: squared error for small misses, absolute error for large ones (robust to outliers)",
    "bce": "# Binary cross-entropy on one output: a sigmoid turns the raw score into the probability of class 1",
    "hinge": "# Multi-class hinge: the right class's score must beat every other class's by the margin",
}
_ELEMENTWISE = ("mse", "mae", "huber")


def loss_code_idiomatic(project: Project, bundle: DataBundle) -> str:
    """Cross-entropy as torch's loss object, with a line on what it does; other losses as in ``exact``."""
    t = project.training
    if t.loss != "cross_entropy":
        one_hot = "; the target class as a one-hot vector" if bundle.task == CLASSIFICATION and t.loss in _ELEMENTWISE else ""
        return f"{_LOSS_NOTES.get(t.loss, '')}{one_hot}\n{loss_code_exact(project, bundle)}".lstrip("\n")
    smoothing = LOSSES.get(t.loss).validate(t.loss_params, "training.loss_params").get("label_smoothing", 0.0)
    args = f"label_smoothing={smoothing!r}" if smoothing else ""
    return ("# Cross-entropy: softmax turns the network's raw scores into probabilities, and the loss is the\n"
            "# negative log of the probability given to the right class.\n"
            f"loss_fn = nn.CrossEntropyLoss({args})\n")


def _non_default(pairs: list[tuple[str, object, object]]) -> str:
    """``, name=value`` for every argument whose value differs from torch's default."""
    return "".join(f", {name}={value!r}" for name, value, default in pairs if value != default)


def optimizer_code_idiomatic(project: Project) -> str:
    """The optimizer with only the arguments that differ from torch's defaults."""
    t = project.training
    p = OPTIMIZERS.get(t.optimizer).validate(t.optimizer_params, "training.optimizer_params")
    start = "model.parameters(), lr=LEARNING_RATE"
    wd = [("weight_decay", t.weight_decay, 0.0)]
    if t.optimizer == "sgd":
        nesterov = bool(p["nesterov"] and p["momentum"] > 0)
        extra = _non_default([("momentum", p["momentum"], 0.0), ("nesterov", nesterov, False), *wd])
        return f"torch.optim.SGD({start}{extra})"
    if t.optimizer in ("adam", "adamw"):
        betas = (p["beta1"], p["beta2"])
        if t.optimizer == "adam":
            return f"torch.optim.Adam({start}{_non_default([('betas', betas, (0.9, 0.999)), *wd])})"
        # AdamW's own default weight decay is 0.01, so the project's value is always written out.
        return f"torch.optim.AdamW({start}{_non_default([('betas', betas, (0.9, 0.999))])}, weight_decay={t.weight_decay!r})"
    if t.optimizer == "rmsprop":
        return f"torch.optim.RMSprop({start}{_non_default([('alpha', p['alpha'], 0.99), ('momentum', p['momentum'], 0.0), *wd])})"
    if t.optimizer == "adagrad":
        extra = _non_default([("lr_decay", p["lr_decay"], 0.0), ("initial_accumulator_value", p["initial_accumulator"], 0.0), *wd])
        return f"torch.optim.Adagrad({start}{extra})"
    return optimizer_code_exact(project)  # raises: no other optimizer can be exported


def schedule_code(project: Project, has_val: bool) -> tuple[str, str] | None:
    """(the line creating the scheduler, the line stepping it after each epoch), or None when it cannot be
    exported; ("", "") when the learning rate is constant."""
    from nnstudio.core.training.schedules import SCHEDULES

    t = project.training
    if t.schedule == "none":
        return "", ""
    p = SCHEDULES.get(t.schedule).validate(t.schedule_params, "training.schedule_params")
    lr = "torch.optim.lr_scheduler"
    if t.schedule == "step":
        return (f"# Multiply the learning rate by {p['gamma']!r} every {p['step_size']!r} epochs.\n"
                f"scheduler = {lr}.StepLR(optimizer, step_size={p['step_size']!r}, gamma={p['gamma']!r})",
                "scheduler.step()")
    if t.schedule == "cosine":
        period = repr(p["period"]) if p["period"] else "epochs"
        when = f"after {period} epochs" if p["period"] else "by the last epoch"
        eta = f", eta_min={p['min_lr']!r}" if p["min_lr"] else ""
        return (f"# Lower the learning rate along half a cosine wave, down to {p['min_lr']!r} {when}.\n"
                f"scheduler = {lr}.CosineAnnealingLR(optimizer, T_max={period}{eta})", "scheduler.step()")
    if t.schedule == "plateau" and has_val:
        key = t.monitor.removeprefix("val_")
        mode = "max" if key == "accuracy" else "min"
        floor = f", min_lr={p['min_lr']!r}" if p["min_lr"] else ""
        return (f"# Multiply the learning rate by {p['factor']!r} when the validation {key} stops improving.\n"
                f"scheduler = {lr}.ReduceLROnPlateau(optimizer, mode={mode!r}, factor={p['factor']!r}, "
                f"patience={p['patience']!r}{floor})", f"scheduler.step(val[{key!r}])")
    return None


def _train_one_epoch(project: Project, ddp: bool = False) -> str:
    t = project.training
    l1 = ("        # L1: the sum of absolute weights joins the loss, so weights the task does not need shrink to 0.\n"
          "        loss = loss + L1 * sum(w.abs().sum() for w in model.parameters() if w.ndim > 1)\n") if t.l1 else ""
    clip = ("        nn.utils.clip_grad_norm_(model.parameters(), GRAD_CLIP)  # one bad batch cannot throw the weights far\n"
            if t.grad_clip else "")
    to_device = _TO_DEVICE if ddp else ""
    return f'''
def train_one_epoch(model, loader, optimizer):
    """One pass over the training set, one optimizer step per batch; returns the average loss."""
    model.train()  # training mode: dropout is on, batch norm learns its statistics
    total_loss, count = 0.0, 0
    for xb, yb in loader:
{to_device}        loss = loss_fn(model(xb), yb)
{l1}        optimizer.zero_grad()  # forget the previous batch's gradients
        loss.backward()  # the gradient of the loss with respect to every weight
{clip}        optimizer.step()  # move every weight a small step against its gradient
        total_loss += loss.item() * len(yb)
        count += len(yb)
    return total_loss / count
'''


def _evaluate(project: Project, bundle: DataBundle, ddp: bool = False) -> str:
    if bundle.task == CLASSIFICATION:
        predicted, note = (("(out.reshape(-1) > 0).long()", "one output: a positive score means class 1")
                           if project.training.loss == "bce" else ("out.argmax(dim=1)", "the class with the highest score"))
        what, init = "accuracy", "total_loss, correct, count = 0.0, 0, 0"
        score = f"        correct += ({predicted} == yb).sum().item()  # {note}\n"
        result = '{"loss": total_loss / count, "accuracy": correct / count}'
    else:
        what, init = "root-mean-square error", "total_loss, squared, count, values = 0.0, 0.0, 0, 0"
        score = ("        squared += ((out.reshape(yb.shape) - yb) ** 2).sum().item()\n"
                 "        values += yb.numel()\n")
        result = '{"loss": total_loss / count, "rmse": (squared / values) ** 0.5}'
    return f'''
@torch.no_grad()  # scoring needs no gradients: faster, and less memory
def evaluate(model, loader):
    """The average loss and {what} of ``model`` over the examples of ``loader``."""
    model.eval()  # evaluation mode: dropout is off, batch norm uses the statistics it learnt
    {init}
    for xb, yb in loader:
{_TO_DEVICE if ddp else ""}        out = model(xb)
        total_loss += loss_fn(out, yb).item() * len(yb)
{score}        count += len(yb)
    return {result}
'''


def loop_code_idiomatic(
    project: Project, bundle: DataBundle, class_name: str, schedule: tuple[str, str], has_val: bool, has_test: bool,
    ddp: bool = False,
) -> str:
    """``train_one_epoch``, ``evaluate``, ``main`` and the command line; with ``ddp``, a ``main`` that also runs
    as one of many processes under torchrun (DistributedDataParallel, each process a share of every batch)."""
    metric = "accuracy" if bundle.task == CLASSIFICATION else "rmse"
    create, step = schedule
    say = "say" if ddp else "print"  # under torchrun only the first process prints
    lines = [
        '"""Train the network for ``epochs`` epochs, then score it on the test set."""',
        *(_DDP_MAIN_START if ddp else []),
        "torch.manual_seed(SEED)  # the same starting weights and batch order on every run",
        "train_set, val_set, test_set = load_data()",
        *(_DDP_LOADER if ddp else [
            "# The training loader shuffles the examples every epoch and hands them out BATCH_SIZE at a time.",
            "train_loader = DataLoader(train_set, batch_size=BATCH_SIZE, shuffle=True)"]),
    ]
    if has_val:
        lines.append("val_loader = DataLoader(val_set, batch_size=1024)  # scoring: no shuffling, large batches")
    if has_test:
        lines.append("test_loader = DataLoader(test_set, batch_size=1024)")
    model = [f"model = {class_name}().to(DEVICE)", *_DDP_MODEL] if ddp else [f"model = {class_name}()"]
    lines += ["", *model, f"{say}(model)", f"optimizer = {optimizer_code_idiomatic(project)}"]
    if create:
        lines += create.split("\n")
    lines += ["", "for epoch in range(1, epochs + 1):"]
    lines += ([
        "    sampler.set_epoch(epoch)  # a new shuffle every epoch, the same one in every process",
        "    train_loss = mean_over_processes(train_one_epoch(model, train_loader, optimizer))"] if ddp
        else ["    train_loss = train_one_epoch(model, train_loader, optimizer)"])
    shown = 'f"epoch {epoch:>3}/{epochs}  train loss {train_loss:.4f}'
    if has_val:
        lines.append("    val = evaluate(model, val_loader)")
        shown += f"  val loss {{val['loss']:.4f}}  val {metric} {{val[{metric!r}]:.4f}}"
    lines.append(f'    {say}({shown}")')
    if step:
        lines.append(f"    {step}")
    if has_test:
        lines += ["", "# The test set was kept aside until now: it tells how well the final network does on new data.",
                  "test = evaluate(model, test_loader)",
                  f"{say}(f\"test loss {{test['loss']:.4f}}  test {metric} {{test[{metric!r}]:.4f}}\")",
                  *(["stop_processes()"] if ddp else []),
                  "return model, test"]
    else:
        lines += ["stop_processes()"] if ddp else []
        lines.append("return model, val  # no test set in this project" if has_val else 'return model, {"loss": train_loss}')
    body = "\n".join(f"    {line}" if line else "" for line in lines)
    description = f"Train {class_name}, then score it on the test set."
    return (
        f"{_train_one_epoch(project, ddp)}\n{_evaluate(project, bundle, ddp)}\n{DDP_HELPERS if ddp else ''}\n"
        f"def main(epochs=EPOCHS):\n{body}\n\n\n"
        'if __name__ == "__main__":\n'
        f"    parser = argparse.ArgumentParser(description={description!r})\n"
        '    parser.add_argument("--epochs", type=int, default=EPOCHS, help="passes over the training set")\n'
        "    main(parser.parse_args().epochs)\n"
    )


# ----------------------------------------------------------------------------- the torchrun spelling (--ddp)
_TO_DEVICE = "        xb, yb = xb.to(DEVICE), yb.to(DEVICE)\n"
_DDP_MAIN_START = [
    "rank, world = start_processes()  # 0 and 1 under plain python; torchrun starts one process per rank",
    "if BATCH_SIZE % world:",
    '    raise SystemExit(f"BATCH_SIZE ({BATCH_SIZE}) is shared by {world} processes and must be a multiple of {world}")',
]
_DDP_LOADER = [
    "# Each process takes its own share of every shuffled epoch, BATCH_SIZE // world examples per step: together",
    "# the processes take BATCH_SIZE examples per step, as one process alone would.",
    "sampler = DistributedSampler(train_set, num_replicas=world, rank=rank, shuffle=True, seed=SEED)",
    "train_loader = DataLoader(train_set, batch_size=BATCH_SIZE // world, sampler=sampler)",
]
_DDP_MODEL = [
    "if world > 1:  # DistributedDataParallel averages the gradients of all processes during backward()",
    '    model = DistributedDataParallel(model, device_ids=[DEVICE.index] if DEVICE.type == "cuda" else None)',
]
DDP_HELPERS = '''
DEVICE = torch.device("cpu")  # start_processes() gives each process its own GPU when there are GPUs


def start_processes():
    """Under torchrun (which sets RANK, LOCAL_RANK and WORLD_SIZE), join the other processes: gloo on the
    CPU, NCCL with one GPU per process. Under plain python there is one process and nothing to join."""
    global DEVICE
    if "RANK" not in os.environ:
        return 0, 1
    if torch.cuda.is_available():
        DEVICE = torch.device("cuda", int(os.environ["LOCAL_RANK"]))
        torch.cuda.set_device(DEVICE)
    dist.init_process_group("nccl" if DEVICE.type == "cuda" else "gloo")
    return dist.get_rank(), dist.get_world_size()


def stop_processes():
    if dist.is_initialized():
        dist.destroy_process_group()


def mean_over_processes(value):
    """The average of ``value`` over all processes (each measured its own share of the examples)."""
    if not dist.is_initialized():
        return value
    total = torch.tensor([value], dtype=torch.float64, device=DEVICE)
    dist.all_reduce(total)
    return total.item() / dist.get_world_size()


def say(*args):
    """print, in the first process only: the others would print the same lines again."""
    if not dist.is_initialized() or dist.get_rank() == 0:
        print(*args, flush=True)

'''
