"""The Playground tab: data, input features, the network as a live graph and its output on one screen."""
