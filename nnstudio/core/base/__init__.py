"""The bottom of the house: errors, the event emitter, the registries, and small helpers that import nothing else from nnstudio."""
