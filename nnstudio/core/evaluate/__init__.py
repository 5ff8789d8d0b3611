"""Evaluation: metrics and reports computed from a trained model's predictions."""
