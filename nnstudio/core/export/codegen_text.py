"""The text rules of exported code: how project text and names reach the script without becoming code."""

from __future__ import annotations

import builtins
import keyword
import unicodedata

from nnstudio.core.arch import modules as helper_modules


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
    # the idiomatic script's own names
    "LEARNING_RATE", "DataLoader", "TensorDataset", "train_one_epoch", "main",
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
