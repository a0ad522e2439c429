"""Audio detectors: synthetic speech (voice_spoof) and speaker verification."""
