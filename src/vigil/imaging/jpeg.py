"""JPEG marker walk: segments, quantisation tables, frame header; and the
IJG (libjpeg) quality estimate used to tell camera tables from editor tables.

Pure Python over bytes already read; any input gives a `JpegInfo` (possibly
with `problems`) or `None` when it is not a JPEG at all, never an exception.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "IJG_CHROMA",
    "IJG_LUMA",
    "JpegInfo",
    "QuantTable",
    "ijg_table",
    "parse_jpeg",
    "estimate_ijg_quality",
]

_MAX_SEGMENTS = 4096
_ZIGZAG = (
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
    12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
    35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
    58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
)  # fmt: skip
"""Position in the 8x8 block (row-major) of the n-th zig-zag coefficient."""

IJG_LUMA = (
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
)  # fmt: skip
"""Annex K luminance table, row-major."""
IJG_CHROMA = (
    17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99,
    24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class QuantTable:
    table_id: int
    precision: int
    values: tuple[int, ...]
    """64 values in row-major (natural) order."""


@dataclass(slots=True)
class JpegInfo:
    """What the marker walk found before the first scan."""

    width: int = 0
    height: int = 0
    components: int = 0
    sampling: tuple[tuple[int, int], ...] = ()
    progressive: bool = False
    quant_tables: dict[int, QuantTable] = field(default_factory=dict)
    app_segments: list[tuple[int, bytes]] = field(default_factory=list)
    """(n of APPn, payload) in file order; payloads are already bounded by the segment length."""
    comments: list[bytes] = field(default_factory=list)
    has_scan: bool = False
    reached_eoi: bool = False
    problems: list[str] = field(default_factory=list)

    def app(self, n: int, prefix: bytes = b"") -> list[bytes]:
        return [p for m, p in self.app_segments if m == n and p.startswith(prefix)]


def parse_jpeg(data: bytes) -> JpegInfo | None:
    """Walk the markers of `data`; `None` when it does not start with SOI."""
    if not data.startswith(b"\xff\xd8"):
        return None
    info = JpegInfo()
    pos = 2
    size = len(data)
    for _ in range(_MAX_SEGMENTS):
        # skip fill bytes and find the next marker
        while pos < size and data[pos] != 0xFF:
            pos += 1
        while pos < size and data[pos] == 0xFF:
            pos += 1
        if pos >= size:
            info.problems.append("truncated before the first scan")
            return info
        marker = data[pos]
        pos += 1
        if marker == 0xD9:
            info.reached_eoi = True
            return info
        if marker in (0x01, *range(0xD0, 0xD8)):
            continue  # standalone markers
        if pos + 2 > size:
            info.problems.append(f"truncated in marker 0x{marker:02X}")
            return info
        length = (data[pos] << 8) | data[pos + 1]
        if length < 2:
            info.problems.append(f"bad length {length} for marker 0x{marker:02X}")
            return info
        payload = data[pos + 2 : pos + length]
        if len(payload) < length - 2:
            info.problems.append(f"segment 0x{marker:02X} runs past the end of the file")
        pos += length
        _segment(info, marker, payload)
        if marker == 0xDA:
            info.has_scan = True
            info.reached_eoi = data.rstrip(b"\x00").endswith(b"\xff\xd9")
            if not info.reached_eoi:
                info.problems.append("no end-of-image marker after the scan (truncated?)")
            return info
    info.problems.append("too many segments")
    return info


def _segment(info: JpegInfo, marker: int, payload: bytes) -> None:
    if 0xE0 <= marker <= 0xEF:
        info.app_segments.append((marker - 0xE0, payload))
    elif marker == 0xFE:
        info.comments.append(payload)
    elif marker == 0xDB:
        _dqt(info, payload)
    elif marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
        _sof(info, marker, payload)


def _dqt(info: JpegInfo, payload: bytes) -> None:
    pos = 0
    while pos < len(payload):
        pq, tq = payload[pos] >> 4, payload[pos] & 0x0F
        width = 2 if pq else 1
        body = payload[pos + 1 : pos + 1 + 64 * width]
        if len(body) < 64 * width or tq > 3:
            info.problems.append("malformed quantisation table")
            return
        if width == 1:
            zz = list(body)
        else:
            zz = [(body[2 * i] << 8) | body[2 * i + 1] for i in range(64)]
        natural = [0] * 64
        for i, v in enumerate(zz):
            natural[_ZIGZAG[i]] = v
        info.quant_tables[tq] = QuantTable(tq, 16 if pq else 8, tuple(natural))
        pos += 1 + 64 * width


def _sof(info: JpegInfo, marker: int, payload: bytes) -> None:
    if len(payload) < 6:
        info.problems.append("short frame header")
        return
    info.height = (payload[1] << 8) | payload[2]
    info.width = (payload[3] << 8) | payload[4]
    info.components = payload[5]
    info.progressive = marker in (0xC2, 0xC6, 0xCA, 0xCE)
    sampling = []
    for i in range(min(info.components, 4)):
        at = 6 + 3 * i + 1
        if at < len(payload):
            sampling.append((payload[at] >> 4, payload[at] & 0x0F))
    info.sampling = tuple(sampling)


def ijg_table(base: tuple[int, ...], quality: int) -> tuple[int, ...]:
    """The table libjpeg writes for `quality` (1..100) from an Annex K base table."""
    quality = min(max(quality, 1), 100)
    scale = 5000 // quality if quality < 50 else 200 - quality * 2
    return tuple(min(max((v * scale + 50) // 100, 1), 255) for v in base)


def estimate_ijg_quality(
    table: tuple[int, ...], base: tuple[int, ...] = IJG_LUMA
) -> tuple[int, float]:
    """The IJG quality whose table is nearest to `table`, and the mean absolute
    difference to it (0.0 = the table is exactly libjpeg's at that quality)."""
    best_q, best_err = 0, float("inf")
    for q in range(1, 101):
        ref = ijg_table(base, q)
        err = sum(abs(a - b) for a, b in zip(table, ref, strict=True)) / 64
        if err < best_err:
            best_q, best_err = q, err
    return best_q, best_err
