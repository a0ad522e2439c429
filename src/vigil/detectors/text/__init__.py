"""Detectors that read text: plain text, HTML, e-mail bodies and headers."""
