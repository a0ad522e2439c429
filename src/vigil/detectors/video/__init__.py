"""Video detectors."""
