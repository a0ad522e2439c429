"""Detector plug-ins and their contract (see base.py)."""
