"""The core and the CLI must work on a machine without Qt: import them with PySide6 and pyqtgraph blocked."""

import subprocess
import sys

BLOCKER = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('PySide6', 'pyqtgraph', 'shiboken6') or name.startswith('nnstudio.gui'):
            raise ImportError('blocked for this test: ' + name)
sys.meta_path.insert(0, Block())
import pkgutil, importlib
import nnstudio.core, nnstudio.cli
for m in pkgutil.walk_packages(nnstudio.core.__path__, 'nnstudio.core.'):
    importlib.import_module(m.name)
for m in pkgutil.walk_packages(__import__('nnstudio.commands').commands.__path__, 'nnstudio.commands.'):
    importlib.import_module(m.name)
from nnstudio.cli import make_parser
make_parser()
print('ok')
"""


def test_core_and_cli_import_without_qt():
    out = subprocess.run([sys.executable, "-c", BLOCKER], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("ok")


def test_cli_train_runs_without_qt(tmp_path):
    code = BLOCKER.replace("print('ok')", "from nnstudio.cli import main; raise SystemExit(main(['train', '--demo', '--epochs', '1', '--json']))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
