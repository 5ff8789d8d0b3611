"""PyInstaller's entry script: the frozen app runs exactly what ``python -m nnstudio`` runs."""

from nnstudio.__main__ import main

if __name__ == "__main__":
    raise SystemExit(main())
