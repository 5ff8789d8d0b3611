"""CLI subcommands, one module each (see ``nnstudio.cli``)."""
