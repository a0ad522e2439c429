"""Image detectors: provenance, classical forensics, copy-move, synthetic images."""
