"""Architectures: the editable spec, the layer kinds, and the builder that turns a spec into a model."""
