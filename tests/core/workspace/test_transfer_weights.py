"""Loading weights from elsewhere: a torchvision ResNet-18 state dict (random, saved by the test; read with
weights_only=True) fills the ResNet-18 template and gives torchvision's outputs; another project's layers are
copied where name and shape match, each reported; files that are no state dict are refused in words."""

from __future__ import annotations

import pytest
import torch

from nnstudio.core.arch.builder import build
from nnstudio.core.arch.spec import ArchitectureSpec, layer
from nnstudio.core.arch.transfer import NothingTransferred
from nnstudio.core.arch.weights import apply_weights
from nnstudio.core.base.errors import ProjectFileError
from nnstudio.core.data.spec import DataSpec
from nnstudio.core.export.codegen import model_code
from nnstudio.core.project.file_format import save_project
from nnstudio.core.project.resnet import resnet18
from nnstudio.core.project.spec import Project
from nnstudio.core.workspace.transfer import weights_from


def test_torchvision_resnet18_loads_into_the_template_and_gives_the_same_outputs(tmp_path):
    torchvision = pytest.importorskip("torchvision")
    torch.manual_seed(0)
    theirs = torchvision.models.resnet18(weights=None, num_classes=10).eval()  # random: nothing is downloaded
    with torch.no_grad():  # non-trivial batch-norm statistics, so a wrongly mapped one shows
        for m in theirs.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 1.5)
    torch.save(theirs.state_dict(), tmp_path / "resnet18.pth")

    built = build(resnet18(classes=10), (3, 64, 64))
    assert built.total_params == sum(p.numel() for p in theirs.parameters())
    report = weights_from(tmp_path / "resnet18.pth", built, built.module.state_dict())
    assert len(report.copied) == 11 and not report.not_copied and not report.unused  # conv, bn, 8 blocks, fc
    assert report.lines()[0] == "Copied 11 of 11 layers with weights."
    apply_weights(built.module, report.weights)
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        ours, expected = built.module.eval()(x), theirs(x)
    assert torch.allclose(ours, expected, atol=1e-5, rtol=1e-4)

    helpers, model, name = model_code(resnet18(classes=10), (3, 64, 64))  # the exported class: the same network
    scope: dict = {}
    exec(f"import math\nimport torch\nfrom torch import nn\n{helpers}\n{model}", scope)  # noqa: S102 - our own code
    exported = scope[name]()
    exported.load_state_dict(report.weights)
    with torch.no_grad():
        assert torch.allclose(exported.eval()(x), expected, atol=1e-5, rtol=1e-4)


def test_another_projects_layers_are_copied_where_name_and_shape_match(tmp_path):
    def project(hidden: int, classes: int) -> Project:
        arch = ArchitectureSpec([layer("flatten"), layer("linear", out_features=hidden), layer("relu"),
                                 layer("linear", out_features=classes)])
        return Project("p", arch, DataSpec("digits"))

    source = project(32, 5)
    source.weights = {k: torch.full_like(v, 0.5) for k, v in build(source.architecture, (1, 8, 8)).module.state_dict().items()}
    save_project(source, tmp_path / "source.nnstudio")
    target = build(project(32, 10).architecture, (1, 8, 8))
    current = target.module.state_dict()
    report = weights_from(tmp_path / "source.nnstudio", target, current)
    assert report.lines() == [
        "Copied 1 of 2 layers with weights.",
        "copied: layer 2 Linear (linear2)",
        "not copied: layer 4 Linear (linear4): its weight is 10x32 here but 5x32 in the source",
    ]
    assert torch.equal(report.weights["linear2.weight"], source.weights["linear2.weight"])
    assert torch.equal(report.weights["linear4.weight"], current["linear4.weight"])

    other = build(project(16, 3).architecture, (1, 8, 8))
    with pytest.raises(NothingTransferred, match=r"No layer of the source fits this network \(names and shapes must "
                                                 r"match\); nothing was changed. layer 2 Linear: its weight is 16x64"):
        weights_from(tmp_path / "source.nnstudio", other, other.module.state_dict())


class Code:  # pickled, it would run code on loading: weights_only refuses it
    def __reduce__(self):
        return (print, ("ran",))


def test_files_that_are_no_state_dict_are_refused(tmp_path):
    built = build(ArchitectureSpec([layer("flatten"), layer("linear", out_features=10)]), (1, 8, 8))
    torch.save({"model": Code()}, tmp_path / "code.pth")
    with pytest.raises(ProjectFileError, match=r"^code.pth is not a PyTorch state dict that can be read safely \("):
        weights_from(tmp_path / "code.pth", built, built.module.state_dict())
    torch.save([1, 2], tmp_path / "list.pt")
    with pytest.raises(ProjectFileError, match=r"^list.pt holds no state dict \(a mapping of names to tensors\)"):
        weights_from(tmp_path / "list.pt", built, built.module.state_dict())
    save_project(Project("untrained", ArchitectureSpec([layer("flatten"), layer("linear", out_features=10)])),
                 tmp_path / "untrained.nnstudio")
    with pytest.raises(ProjectFileError, match="untrained.nnstudio holds no trained weights; train it and save it first"):
        weights_from(tmp_path / "untrained.nnstudio", built, built.module.state_dict())
