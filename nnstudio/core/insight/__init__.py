"""Looking inside a network while it learns: boundaries over the input plane, neuron responses,
weight and gradient statistics. Everything returns plain numpy, for any view (Qt, CLI, a test)."""
