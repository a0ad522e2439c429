"""Content-type sniffing shared by ingest and detectors."""

from vigil.formats.sniff import (
    EXECUTABLE_TYPES,
    SNIFF_BYTES,
    expected_media_types,
    is_executable_extension,
    sniff_media_type,
)

__all__ = [
    "EXECUTABLE_TYPES",
    "SNIFF_BYTES",
    "expected_media_types",
    "is_executable_extension",
    "sniff_media_type",
]
