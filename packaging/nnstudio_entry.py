"""PyInstaller's entry script: the frozen app runs exactly what ``python -m nnstudio`` runs."""

from nnstudio.__main__ import main

if __name__ == "__main__":
    # The image-folder reader spawns worker processes; in a frozen app each would start the app again without this.
    import multiprocessing

    multiprocessing.freeze_support()
    raise SystemExit(main())
