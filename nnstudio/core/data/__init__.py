"""Datasets: where examples come from, how they are split and prepared, and the bundle handed to training."""
