"""The GAN's views: the plane GAN Lab shows (2-D data)."""
