"""The Playground's Qt-free side: the network as a drawable graph, its live frames and its data settings."""
