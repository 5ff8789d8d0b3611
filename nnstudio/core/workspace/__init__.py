"""The top of the core: the open document (with its prepared data and built model), runs, sweeps, the LR finder and exports of runs."""
