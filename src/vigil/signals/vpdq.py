"""vPDQ: per-frame PDQ of a video, compared by the share of matching frames.

Frames are decoded with PyAV (the `av` wheel bundles FFmpeg, so no system
libraries are needed), converted to RGB24 and hashed with PDQ exactly as
the reference vpdq tool does (optionally downscaled to a square first, as
its 128x128 option). The hash of a video is the list of its frames,
written as `frame_number,quality,pdq_hex,timestamp` records joined by ";"
(the published sample files' line format).

Comparison (vpdq's matchTwoHash / pytx's brute-force matcher): drop frames of
quality < 50, keep one frame per distinct hash, then

- query share: fraction of query frames within 31 bits of any target frame,
- target share: fraction of target frames within 31 bits of any query frame.

Two videos match when both shares are >= 0.8. As a `SignalType` distance this
is ceil(100 * (1 - min(query share, target share))), max 100, threshold 20,
so score = min(shares) and the score threshold is 0.8.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, ClassVar, Self

from vigil.signals.base import Index, IndexFileError, Match, SignalExample, SignalType
from vigil.signals.base import UnhashableInput as UnhashableInput
from vigil.signals.pdq import MIN_QUALITY, validate_hex256

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = [
    "FRAME_THRESHOLD",
    "VpdqFrame",
    "VpdqIndex",
    "VpdqSignal",
    "format_vpdq",
    "parse_vpdq",
    "vpdq_distance",
    "vpdq_match",
]

FRAME_THRESHOLD = 31
"""PDQ distance at or below which two frames match."""
MATCH_SHARE = 0.8
"""Default share of frames that must match, in each direction."""


@dataclass(frozen=True, slots=True)
class VpdqFrame:
    frame_number: int
    quality: int
    hash: str
    timestamp: float | None = None

    def to_record(self) -> str:
        base = f"{self.frame_number},{self.quality},{self.hash}"
        return base if self.timestamp is None else f"{base},{self.timestamp:.3f}"


def parse_vpdq(value: str) -> list[VpdqFrame]:
    """Frames from records separated by ';' or newlines; ValueError if malformed."""
    if not isinstance(value, str):
        raise ValueError(f"not a vPDQ hash: {value!r}")
    frames: list[VpdqFrame] = []
    for number, record in enumerate(value.replace("\n", ";").split(";"), start=1):
        record = record.strip()
        if not record:
            continue
        fields = [f.strip() for f in record.split(",")]
        if len(fields) not in (3, 4):
            raise ValueError(f"vPDQ record {number} has {len(fields)} fields, not 3 or 4")
        try:
            frame_number, quality = int(fields[0]), int(fields[1])
            timestamp = float(fields[3]) if len(fields) == 4 else None
        except ValueError as exc:
            raise ValueError(f"vPDQ record {number} is malformed: {record!r}") from exc
        if frame_number < 0 or not 0 <= quality <= 100:
            raise ValueError(f"vPDQ record {number} has a bad frame number or quality")
        if timestamp is not None and (not math.isfinite(timestamp) or timestamp < 0):
            raise ValueError(f"vPDQ record {number} has a bad timestamp")
        frames.append(VpdqFrame(frame_number, quality, validate_hex256(fields[2]), timestamp))
    if not frames:
        raise ValueError("a vPDQ hash needs at least one frame")
    return frames


def format_vpdq(frames: Iterable[VpdqFrame]) -> str:
    return ";".join(f.to_record() for f in frames)


def _usable(frames: Iterable[VpdqFrame], min_quality: int) -> list[str]:
    """Distinct hashes of frames with quality >= min_quality, in first-seen order."""
    return list(dict.fromkeys(f.hash for f in frames if f.quality >= min_quality))


def _codes(hashes: Sequence[str]) -> npt.NDArray[np.uint64]:
    import numpy as np

    raw = bytes.fromhex("".join(hashes))
    return np.frombuffer(raw, dtype=np.uint8).reshape(len(hashes), 32).copy().view(np.uint64)


def _any_within(
    a: npt.NDArray[np.uint64], b: npt.NDArray[np.uint64], threshold: int
) -> npt.NDArray[np.bool_]:
    """For each row of a: is some row of b within `threshold` bits?"""
    import numpy as np

    out = np.zeros(len(a), dtype=bool)
    step = max(1, (1 << 20) // max(1, len(b)))  # ~32 MiB of XORed words per block
    for start in range(0, len(a), step):
        block = a[start : start + step]
        dist = np.bitwise_count(block[:, None, :] ^ b[None, :, :]).sum(axis=2)
        out[start : start + len(block)] = (dist <= threshold).any(axis=1)
    return out


def vpdq_match(
    query_frames: Sequence[VpdqFrame],
    target_frames: Sequence[VpdqFrame],
    *,
    distance_threshold: int = FRAME_THRESHOLD,
    min_quality: int = MIN_QUALITY,
) -> tuple[float, float]:
    """(query share, target share) of frames matching the other video, in [0, 1].

    Both are 0.0 when either side has no frame of usable quality.
    """
    q_hashes = _usable(query_frames, min_quality)
    t_hashes = _usable(target_frames, min_quality)
    if not q_hashes or not t_hashes:
        return 0.0, 0.0
    q, t = _codes(q_hashes), _codes(t_hashes)
    q_hit = int(_any_within(q, t, distance_threshold).sum())
    t_hit = int(_any_within(t, q, distance_threshold).sum())
    return q_hit / len(q_hashes), t_hit / len(t_hashes)


def vpdq_distance(
    query_frames: Sequence[VpdqFrame],
    target_frames: Sequence[VpdqFrame],
    *,
    distance_threshold: int = FRAME_THRESHOLD,
    min_quality: int = MIN_QUALITY,
) -> int:
    """ceil(100 * (1 - min(shares))), computed exactly (no float rounding)."""
    q_hashes = _usable(query_frames, min_quality)
    t_hashes = _usable(target_frames, min_quality)
    if not q_hashes or not t_hashes:
        return 100
    q, t = _codes(q_hashes), _codes(t_hashes)
    shares = (
        (int(_any_within(q, t, distance_threshold).sum()), len(q_hashes)),
        (int(_any_within(t, q, distance_threshold).sum()), len(t_hashes)),
    )
    return max(-((-100 * (n - hit)) // n) for hit, n in shares)


class VpdqSignal(SignalType):
    """vPDQ of the first video stream, every frame or one per `seconds_per_hash`."""

    name: ClassVar[str] = "vpdq"
    version: ClassVar[str] = "1.0.0"
    media_types: ClassVar[tuple[str, ...]] = ("video/*",)
    match_threshold: ClassVar[int] = 20
    max_distance: ClassVar[int] = 100
    requires: ClassVar[tuple[str, ...]] = ("av", "pdqhash", "numpy")
    install_hint: ClassVar[str] = "pip install 'vigil-forensics[image,video]'"

    def __init__(
        self,
        *,
        seconds_per_hash: float = 0.0,
        frame_size: int | None = None,
        min_quality: int = MIN_QUALITY,
        frame_threshold: int = FRAME_THRESHOLD,
        max_frames: int = 100_000,
        max_pixels: int = 8192 * 8192,
    ) -> None:
        if seconds_per_hash < 0:
            raise ValueError("seconds_per_hash must be >= 0")
        self.seconds_per_hash = seconds_per_hash
        self.frame_size = frame_size
        self.min_quality = min_quality
        self.frame_threshold = frame_threshold
        self.max_frames = max_frames
        self.max_pixels = max_pixels

    def hash(self, stream: BinaryIO) -> str | None:
        frames = self.hash_frames(stream)
        if not any(f.quality >= self.min_quality for f in frames):
            return None
        return format_vpdq(frames)

    def hash_frames(self, stream: BinaryIO) -> list[VpdqFrame]:
        """Every hashed frame, whatever its quality (as the reference tool writes)."""
        return list(self._iter_frames(stream))

    def _iter_frames(self, stream: BinaryIO) -> Iterator[VpdqFrame]:
        import av
        import numpy as np

        from vigil.signals.pdq import pdq_from_rgb

        try:
            container = av.open(stream, mode="r")
        except (av.error.FFmpegError, ValueError, OSError) as exc:
            raise UnhashableInput(f"not a readable video: {exc}", "unsupported") from exc
        with container:
            if not container.streams.video:
                raise UnhashableInput("no video stream", "unsupported")
            video = container.streams.video[0]
            video.thread_type = "AUTO"
            width, height = video.codec_context.width, video.codec_context.height
            if width * height > self.max_pixels:
                raise UnhashableInput(f"frames of {width}x{height} are too large", "too_large")
            rate = video.average_rate or video.guessed_rate or 0
            fps = float(rate) if rate else 0.0
            step = max(1, round(self.seconds_per_hash * fps)) if fps else 1
            hashed = 0
            try:
                for number, frame in enumerate(container.decode(video)):
                    if number % step:
                        continue
                    if frame.width * frame.height > self.max_pixels:
                        raise UnhashableInput("a frame is too large", "too_large")
                    if self.frame_size:
                        frame = frame.reformat(
                            width=self.frame_size,
                            height=self.frame_size,
                            format="rgb24",
                            interpolation="AREA",
                        )
                    rgb = np.ascontiguousarray(frame.to_ndarray(format="rgb24"), dtype=np.uint8)
                    value, quality = pdq_from_rgb(rgb)
                    timestamp = number / fps if fps else (frame.time or 0.0)
                    yield VpdqFrame(number, quality, value, round(timestamp, 3))
                    hashed += 1
                    if hashed >= self.max_frames:
                        return
            except av.error.FFmpegError as exc:
                if hashed == 0:
                    raise UnhashableInput(f"undecodable video: {exc}", "unreadable") from exc
                # a damaged tail: keep the frames decoded so far

    def validate(self, value: str) -> str:
        return format_vpdq(parse_vpdq(value))

    def distance(self, a: str, b: str) -> int:
        return vpdq_distance(
            parse_vpdq(a),
            parse_vpdq(b),
            distance_threshold=self.frame_threshold,
            min_quality=self.min_quality,
        )

    def shares(self, a: str, b: str) -> tuple[float, float]:
        """(query share, target share): see `vpdq_match`."""
        return vpdq_match(
            parse_vpdq(a),
            parse_vpdq(b),
            distance_threshold=self.frame_threshold,
            min_quality=self.min_quality,
        )

    def reference_index(self) -> VpdqIndex:
        return VpdqIndex(self.name, linear=True, frame_threshold=self.frame_threshold)

    def new_index(self) -> VpdqIndex:
        return VpdqIndex(self.name, linear=False, frame_threshold=self.frame_threshold)

    def examples(self) -> list[SignalExample]:
        data = _example_video()
        if data is None:  # no encoder in this PyAV build
            return []
        return [
            SignalExample(
                "moving-rings", data, "video/mp4", _EXAMPLE_HASH, tolerance=self.match_threshold
            )
        ]


class VpdqIndex(Index):
    """Videos by their frames: a PDQ index over usable frames finds candidate
    videos sharing a frame within `frame_threshold`; each candidate is then
    compared in full with `vpdq_distance`. A video at distance < 100 shares
    at least one frame within the frame threshold, so no match is missed.
    `linear=True` compares with every video: the reference."""

    kind: ClassVar[str] = "vpdq"

    def __init__(
        self,
        signal_type: str = "vpdq",
        *,
        linear: bool = False,
        frame_threshold: int = FRAME_THRESHOLD,
        min_quality: int = MIN_QUALITY,
    ) -> None:
        from vigil.signals.hamming import HammingIndex, LinearScanIndex, MultiIndexHashIndex

        self.signal_type = signal_type
        self.linear = linear
        self.frame_threshold = frame_threshold
        self.min_quality = min_quality
        self._videos: dict[int, list[str]] = {}
        self._frames: HammingIndex = (
            LinearScanIndex("pdq", 256) if linear else MultiIndexHashIndex("pdq", 256)
        )

    def __len__(self) -> int:
        return len(self._videos)

    def _frame_rows(self, hashes: Sequence[str], ids: Sequence[int]) -> tuple[list[str], list[int]]:
        if len(hashes) != len(ids):
            raise ValueError(f"got {len(hashes)} hashes but {len(ids)} ids")
        frame_hashes: list[str] = []
        owners: list[int] = []
        for value, entry_id in zip(hashes, ids, strict=True):
            usable = _usable(parse_vpdq(value), self.min_quality)
            known = self._videos.setdefault(int(entry_id), [])
            seen = set(known)
            for h in usable:
                if h not in seen:
                    seen.add(h)
                    known.append(h)
                    frame_hashes.append(h)
                    owners.append(int(entry_id))
        return frame_hashes, owners

    def build(self, hashes: Sequence[str], ids: Sequence[int]) -> None:
        self._videos = {}
        frame_hashes, owners = self._frame_rows(hashes, ids)
        self._frames.build(frame_hashes, owners)

    def add(self, hashes: Sequence[str], ids: Sequence[int]) -> None:
        frame_hashes, owners = self._frame_rows(hashes, ids)
        if frame_hashes:
            self._frames.add(frame_hashes, owners)

    def query(self, signal: str, threshold: int) -> list[Match]:
        if isinstance(threshold, bool) or not isinstance(threshold, int):
            raise ValueError(f"threshold must be an int, got {threshold!r}")
        if not 0 <= threshold <= 100:
            raise ValueError(f"vPDQ threshold {threshold} is outside 0..100")
        query = _usable(parse_vpdq(signal), self.min_quality)
        candidates: set[int] = set()
        if self.linear or threshold >= 100:  # brute force: the reference
            candidates.update(self._videos)
        else:  # d < 100 needs a shared frame, so the frame index finds it
            for h in query:
                candidates.update(m.id for m in self._frames.query(h, self.frame_threshold))
        q_frames = [VpdqFrame(i, 100, h) for i, h in enumerate(query)]
        out = []
        for entry_id in candidates:
            target = [VpdqFrame(i, 100, h) for i, h in enumerate(self._videos[entry_id])]
            d = vpdq_distance(
                q_frames, target, distance_threshold=self.frame_threshold, min_quality=0
            )
            if d <= threshold:
                out.append(Match(entry_id, d))
        return sorted(out, key=lambda m: (m.distance, m.id))

    def save(self, path: Path) -> None:
        import numpy as np

        from vigil.signals._persist import write_index

        ids = sorted(self._videos)
        counts = np.asarray([len(self._videos[i]) for i in ids], dtype=np.int64)
        flat = [h for i in ids for h in self._videos[i]]
        codes = (
            np.frombuffer(bytes.fromhex("".join(flat)), dtype=np.uint8).reshape(-1, 32)
            if flat
            else np.empty((0, 32), dtype=np.uint8)
        )
        write_index(
            Path(path),
            kind=self.kind,
            signal_type=self.signal_type,
            count=len(ids),
            arrays={"ids": np.asarray(ids, dtype=np.int64), "counts": counts, "frames": codes},
            params={
                "linear": self.linear,
                "frame_threshold": self.frame_threshold,
                "min_quality": self.min_quality,
            },
        )

    @classmethod
    def load(cls, path: Path) -> Self:
        import numpy as np

        from vigil.signals._persist import read_index

        saved = read_index(Path(path), kind=cls.kind, names=("ids", "counts", "frames"))
        ids, counts, frames = (saved.arrays[k] for k in ("ids", "counts", "frames"))
        p = saved.params
        if (
            ids.dtype != np.int64
            or counts.dtype != np.int64
            or ids.shape != (saved.count,)
            or counts.shape != ids.shape
            or frames.dtype != np.uint8
            or frames.ndim != 2
            or frames.shape[1] != 32
            or int(counts.sum()) != len(frames)
            or bool(np.any(np.less(counts, 0)))
            or not isinstance(p.get("frame_threshold"), int)
            or not isinstance(p.get("min_quality"), int)
        ):
            raise IndexFileError(f"{path}: arrays do not fit the header")
        index = cls(
            saved.signal_type,
            linear=bool(p.get("linear")),
            frame_threshold=int(p["frame_threshold"] or 0),
            min_quality=int(p["min_quality"] or 0),
        )
        hashes: list[str] = []
        start = 0
        for count in counts.tolist():
            rows = frames[start : start + count]
            hashes.append(
                format_vpdq(VpdqFrame(i, 100, bytes(r.tobytes()).hex()) for i, r in enumerate(rows))
                if count
                else ""
            )
            start += count
        index._load_rows(hashes, ids.tolist())
        return index

    def _load_rows(self, hashes: list[str], ids: list[int]) -> None:
        self._videos = {i: [] for i in ids}
        keep = [(h, i) for h, i in zip(hashes, ids, strict=True) if h]
        frame_hashes, owners = self._frame_rows([h for h, _ in keep], [i for _, i in keep])
        self._frames.build(frame_hashes, owners)


_EXAMPLE_HASH = ";".join(
    (
        "0,100,08550792a7967fd238f17452e79ee7923cf55c71eef64509e790004f144aaaad,0.000",
        "1,100,10f2ec9ae70eee1278f111d28796c712fc755c71aaf66109ff90106f544aaaad,0.100",
        "2,100,87477db2ef4ede12d434d85289b68f121ab5cc71a1f67189ffd0002f544aaaa5,0.200",
        "3,100,8c525b1a2faed652b631947206be8fd27af5ce71827671c9dfd0202f544aa2a5,0.300",
        "4,100,cd487f9277ae011296713c729396995a7df15c7187f661c95fd0602d544aa2b5,0.400",
        "5,100,884913b2376cce12b4f5a87a591698527ff15c784f7669c95fd0e02dd54a22b5,0.500",
        "6,100,e4d953b233741efa1651a45a5897905a7fb14c3856566dc9ffd8802dd50aa2b5,0.600",
        "7,100,cfc13332173dacfa54d21a5ada5699faef304c78065665c95fd8a02d650aa2b5,0.700",
        "8,100,44d35232173cf8d2b0d2665a8bb69bda2d70dd7846566dc97dd83025752a8ab5,0.800",
        "9,100,a5c14732273a2dfb3ab2067a4a0693d2d9f18d388e566fe9bfd8712555288a95,0.900",
    )
)


def _example_video() -> bytes | None:
    """One second of moving rings at 10 fps, 96x96, MPEG-4 part 2 in MP4."""
    import io

    import av
    import numpy as np

    out = io.BytesIO()
    try:
        with av.open(out, mode="w", format="mp4") as container:
            stream = container.add_stream("mpeg4", rate=10)
            stream.width = stream.height = 96
            stream.pix_fmt = "yuv420p"
            stream.options = {"qscale": "2"}
            y, x = np.mgrid[0:96, 0:96].astype(np.float64)
            for i in range(10):
                rings = 127.5 + 127.5 * np.sin(np.hypot(x - 30 - i, y - 40) / 5.0)
                bars = np.where(((x + 2 * i) // 12) % 2 == 0, 50.0, 205.0)
                rgb = np.stack([rings, bars, (rings + bars) / 2], axis=-1).astype(np.uint8)
                frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
                for packet in stream.encode(frame):
                    container.mux(packet)
            for packet in stream.encode():
                container.mux(packet)
    except (av.error.FFmpegError, ValueError):
        return None
    return out.getvalue()
