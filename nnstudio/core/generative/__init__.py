"""Generative models that are trained outside the one-network engine (the GAN's two networks)."""
