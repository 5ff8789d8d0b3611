"""Ready-made networks, each paired with a built-in dataset and training settings that suit it.

File > New from template and the Architecture tab's Templates button open these; ``resources/examples``
holds each one as an example project file (``write_examples`` regenerates them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from nnstudio.core.arch.spec import ArchitectureSpec, layer
from nnstudio.core.data.spec import DataSpec, StepSpec
from nnstudio.core.project import gan_templates, transfer_example
from nnstudio.core.project.file_format import save_project
from nnstudio.core.project.spec import Project
from nnstudio.core.training.config import TrainSpec

EXAMPLES_DIR = Path(__file__).resolve().parents[3] / "resources" / "examples"


@dataclass(frozen=True)
class Template:
    name: str
    title: str
    description: str
    make: Callable[[], Project]

    def project(self) -> Project:
        # Through JSON and back: every parameter filled in and validated, exactly as a saved file loads; an
        # example that ships trained weights (transfer learning's) keeps them.
        made = self.make()
        project = Project.from_dict(made.to_dict())
        project.weights = made.weights
        return project


def _train(**kw) -> TrainSpec:
    return TrainSpec.from_dict({"device": "cpu", **kw})


def simple_nn() -> Project:
    return Project(
        "SimpleNN (lecture, 28x28)",
        ArchitectureSpec([
            layer("flatten"),
            layer("linear", in_features=784, out_features=128),
            layer("relu"),
            layer("linear", in_features=128, out_features=10),
        ], name="SimpleNN"),
        DataSpec("digits", preprocessing=[StepSpec("image_resize", {"height": 28, "width": 28})]),
        _train(loss="cross_entropy", optimizer="adam", lr=1e-3, batch_size=32, epochs=10),
    )


def simple_nn_emnist(folder: str | Path) -> Project:
    """The lecture's exact SimpleNN, 784 -> 128 -> 47, on EMNIST balanced read from the user's own folder."""
    project = simple_nn()
    project.name = "SimpleNN on EMNIST (balanced)"
    project.architecture.layers[-1].params["out_features"] = 47
    project.data = DataSpec.from_dict({"source": "mnist_family", "params": {"path": str(folder), "variant": "emnist", "emnist_split": "balanced"}})
    return project


def simple_nn_8x8() -> Project:
    return Project(
        "SimpleNN on 8x8 digits",
        ArchitectureSpec([
            layer("flatten"),
            layer("linear", in_features=64, out_features=128),
            layer("relu"),
            layer("linear", in_features=128, out_features=10),
        ], name="SimpleNN"),
        DataSpec("digits"),
        _train(loss="cross_entropy", optimizer="adam", lr=1e-3, batch_size=32, epochs=20),
    )


def small_cnn() -> Project:
    return Project(
        "Small CNN on digits",
        ArchitectureSpec([
            layer("conv2d", out_channels=8, kernel_size=3, padding=1),
            layer("relu"),
            layer("maxpool2d", kernel_size=2),
            layer("conv2d", out_channels=16, kernel_size=3, padding=1),
            layer("relu"),
            layer("maxpool2d", kernel_size=2),
            layer("flatten"),
            layer("linear", out_features=10),
        ], name="SmallCNN"),
        DataSpec("digits"),
        _train(loss="cross_entropy", optimizer="adam", lr=3e-3, batch_size=32, epochs=15),
    )


def lstm_classifier() -> Project:
    return Project(
        "LSTM remembers the early signal",
        ArchitectureSpec([layer("lstm", hidden_size=32, output="last"), layer("linear", out_features=2)], name="LSTMClassifier"),
        DataSpec("long_memory", {"lag": 10}),
        _train(loss="cross_entropy", optimizer="adam", lr=1e-2, batch_size=32, epochs=30),
    )


def tiny_transformer() -> Project:
    return Project(
        "Tiny Transformer reads digits row by row",
        ArchitectureSpec([
            layer("reshape", shape="8,8"),
            layer("linear", out_features=32),
            layer("positional_encoding"),
            layer("transformer_encoder", num_heads=4, dim_feedforward=64, dropout=0.1),
            layer("global_avgpool"),
            layer("linear", out_features=10),
        ], name="TinyTransformer"),
        DataSpec("digits"),
        _train(loss="cross_entropy", optimizer="adam", lr=3e-3, batch_size=32, epochs=15),
    )


def _deep_mlp(activation: str) -> ArchitectureSpec:
    layers = [layer("linear", out_features=16), layer(activation)]
    for _ in range(7):
        layers += [layer("linear", out_features=16), layer(activation)]
    return ArchitectureSpec([*layers, layer("linear", out_features=2)], name=f"Deep{activation.capitalize()}MLP")


def deep_sigmoid() -> Project:
    return Project(
        "Deep sigmoid MLP (vanishing gradients)",
        _deep_mlp("sigmoid"),
        DataSpec("moons", {"n_samples": 600, "noise": 0.15}),
        _train(loss="cross_entropy", optimizer="adam", lr=0.01, batch_size=32, epochs=30),
    )


def deep_relu() -> Project:
    return Project(
        "Deep ReLU MLP (same depth, trains)",
        _deep_mlp("relu"),
        DataSpec("moons", {"n_samples": 600, "noise": 0.15}),
        _train(loss="cross_entropy", optimizer="adam", lr=0.01, batch_size=32, epochs=30),
    )


def autoencoder() -> Project:
    return Project(
        "Autoencoder on digits",
        ArchitectureSpec([
            layer("flatten"),
            layer("linear", out_features=32),
            layer("relu"),
            layer("linear", out_features=8),
            layer("relu"),
            layer("linear", out_features=32),
            layer("relu"),
            layer("linear", out_features=64),
            layer("sigmoid"),
        ], name="Autoencoder"),
        DataSpec("digits_reconstruct"),
        _train(loss="mse", optimizer="adam", lr=3e-3, batch_size=32, epochs=20),
    )


def _vae(name: str, n_in: int, hidden: int, out_activation: list) -> ArchitectureSpec:
    """Encoder to a 2-D Gaussian latent (4 numbers: mean and log-variance of each), decoder back to ``n_in``."""
    encoder = [layer("flatten")] if n_in == 64 else []
    return ArchitectureSpec([
        *encoder,
        layer("linear", out_features=hidden),
        layer("relu"),
        layer("linear", out_features=4),
        layer("gaussian_latent"),
        layer("linear", out_features=hidden),
        layer("relu"),
        layer("linear", out_features=n_in),
        *out_activation,
    ], name=name)


def vae_digits() -> Project:
    return Project(
        "VAE on digits (2-D latent)",
        _vae("DigitsVAE", 64, 128, [layer("sigmoid")]),
        DataSpec("digits_reconstruct"),
        _train(loss="vae", loss_params={"beta": 1.0, "reconstruction": "bce"}, optimizer="adam", lr=3e-3, batch_size=32, epochs=20),
    )


def vae_moons() -> Project:
    return Project(
        "VAE on two moons (2-D toy)",
        _vae("MoonsVAE", 2, 64, []),
        DataSpec("moons_reconstruct"),
        _train(loss="vae", loss_params={"beta": 0.05}, optimizer="adam", lr=3e-3, batch_size=32, epochs=40),
    )


TEMPLATES: dict[str, Template] = {t.name: t for t in (
    Template("simple_nn", "SimpleNN (lecture): 784 → 128 → classes",
             "The lecture's SimpleNN on digits resized to 28x28 (784 inputs). With EMNIST balanced from a local "
             "folder (Data tab) press Fit to data to get the 47 outputs.", simple_nn),
    Template("simple_nn_8x8", "SimpleNN on 8x8 digits: 64 → 128 → 10",
             "The same two-layer network on the original 8x8 digits: trains in seconds.", simple_nn_8x8),
    Template("small_cnn", "Small CNN: conv-pool-conv-pool-dense",
             "Two convolution blocks and a dense layer on the digits: fewer weights, better accuracy.", small_cnn),
    Template("lstm_classifier", "LSTM sequence classifier",
             "An LSTM reads 20 steps and must remember the sign marked 10 steps before the end. "
             "Swap LSTM for RNN to watch a plain RNN forget.", lstm_classifier),
    Template("tiny_transformer", "Tiny Transformer encoder classifier",
             "Reads each 8x8 digit as 8 rows (a sequence of 8 steps) with positional encoding and one "
             "Transformer encoder layer.", tiny_transformer),
    Template("deep_sigmoid", "Deep sigmoid MLP (vanishing gradients)",
             "Eight sigmoid layers on two moons: the gradient fades layer by layer, and the loss stays flat "
             "for many epochs.", deep_sigmoid),
    Template("deep_relu", "Deep ReLU MLP (same depth)",
             "The same eight layers with ReLU: the gradient gets through and the moons are separated.", deep_relu),
    Template("autoencoder", "Autoencoder (64 → 8 → 64)",
             "Squeezes each digit through 8 numbers and rebuilds it; trained on the reconstruction error.", autoencoder),
    Template("vae_digits", "VAE on digits (2-D latent)",
             "A variational autoencoder: each digit becomes a Gaussian in a 2-D latent plane; the decoder turns any "
             "point of the plane into a digit. Loss: reconstruction + β·KL (both plotted).", vae_digits),
    Template("vae_moons", "VAE on two moons (2-D toy)",
             "The same on points of two moons: sample the latent plane, decode, and see where the points land.",
             vae_moons),
)}


def _transfer_digits() -> Project:
    from nnstudio.core.project.file_format import load_project

    return load_project(transfer_example.example_file(EXAMPLES_DIR))


# Example projects that ship trained weights in a .nnstudio beside the JSON examples, and the GANs (two networks,
# which the one-network per-template tests do not train); not regenerated by
# write_examples, and kept out of TEMPLATES, whose every entry is also a .json example).
EXAMPLES: dict[str, Template] = {t.name: t for t in (
    Template(transfer_example.EXAMPLE_NAME, "Transfer learning: fine-tune a CNN's head on digits 5-9",
             "A CNN pretrained on digits 0-4 (its weights are in the example) with its convolutions frozen: Train "
             "fine-tunes only the head on 10 examples of each of 5-9. Untick Frozen and Train to compare with "
             "training from scratch.", _transfer_digits),
    Template("gan_ring", "GAN on 8 Gaussian modes (2-D, GAN Lab's demo)",
             "Two networks take turns: the discriminator learns to tell real points from generated ones, the "
             "generator to fool it. Watch the points move, the verdict over the plane and the coverage of the 8 modes.",
             gan_templates.gan_ring),
    Template("gan_digits", "GAN on 8x8 digits",
             "A generator turns 16 random numbers into a digit; a grid of its digits after each epoch shows what it "
             "learned, and the coverage of the ten digits shows mode collapse.", gan_templates.gan_digits),
    Template("diffusion_spiral", "Diffusion on a spiral (2-D points)",
             "A denoising diffusion model: noise the spiral step by step into a blob, train an MLP to guess the noise, "
             "and watch samples walk from noise back onto the spiral.", lambda: _example_json("diffusion_spiral")),
)}


def _example_json(name: str) -> Project:
    from nnstudio.core.project.file_format import load_project

    return load_project(example_path(name))


def catalogue() -> dict[str, Template]:
    """Every template and example project, as File > New from template and ``nnstudio info --list templates``
    offer them."""
    return {**TEMPLATES, **EXAMPLES}


def example_path(name: str) -> Path:
    return EXAMPLES_DIR / f"{name}.json"


def write_examples(folder: Path = EXAMPLES_DIR) -> list[Path]:
    """Write every template as an example project (specs only, JSON) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for template in TEMPLATES.values():
        path = folder / f"{template.name}.json"
        save_project(template.project(), path)
        written.append(path)
    return written


if __name__ == "__main__":  # python -m nnstudio.core.project.templates regenerates resources/examples
    for p in write_examples():
        print(p)
