"""The Diffusion tab (forward noise steps and the reverse walk of a 2-D diffusion model)."""
