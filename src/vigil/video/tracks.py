"""Link faces seen in successive sampled frames into tracks.

Two cues, cheapest first:
1. box overlap (IoU) with a track seen within `max_gap_s`: a face that moved
   little between samples keeps its track; pairs are taken greedily, highest
   IoU first, so two faces never claim one track;
2. for a face left over, its 128-D descriptor against the descriptors of
   tracks not matched in this frame and seen within `reid_gap_s` (a face that
   left the picture or was missed by the detector for a while): nearest
   below `same_face_distance` joins that track, otherwise a new track starts.

Descriptors cost far more than detection (about 100 ms a face with dlib), so
they are computed only for faces the overlap step left over, through the
`describe` callback, and at most `max_descriptors_per_frame` a frame.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = ["Box", "TrackLinker", "iou"]

Box = tuple[float, float, float, float]
"""(x, y, width, height) in frame pixels."""


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two (x, y, w, h) boxes."""
    ix = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


@dataclass(slots=True)
class _TrackState:
    track_id: int
    last_t: float
    box: Box
    descriptor: NDArray[np.float32] | None = None
    descriptor_count: int = 0

    def remember(self, descriptor: NDArray[np.float32]) -> None:
        """Running mean, so one bad frame does not replace the identity."""
        if self.descriptor is None:
            self.descriptor, self.descriptor_count = descriptor, 1
            return
        self.descriptor_count += 1
        step = (descriptor - self.descriptor) / self.descriptor_count
        self.descriptor = (self.descriptor + step).astype(descriptor.dtype)


class TrackLinker:
    """Assigns a track id to each face of each frame; frames must come in time order."""

    def __init__(
        self,
        *,
        same_face_distance: float,
        min_iou: float = 0.3,
        max_gap_s: float = 2.0,
        reid_gap_s: float = 60.0,
        max_descriptors_per_frame: int = 4,
    ) -> None:
        self.same_face_distance = same_face_distance
        self.min_iou = min_iou
        self.max_gap_s = max_gap_s
        self.reid_gap_s = reid_gap_s
        self.max_descriptors_per_frame = max_descriptors_per_frame
        self._tracks: dict[int, _TrackState] = {}
        self._next_id = 0

    @property
    def track_count(self) -> int:
        return self._next_id

    def link(
        self,
        t: float,
        boxes: Sequence[Box],
        describe: Callable[[int], NDArray[np.float32] | None],
    ) -> list[int]:
        """Track ids for `boxes` (same order). `describe(i)` gives the
        descriptor of face i, or None when it cannot be computed."""
        self._forget_before(t - self.reid_gap_s)
        ids: list[int | None] = [None] * len(boxes)
        taken: set[int] = set()
        for score, face, track_id in self._overlaps(t, boxes):
            if ids[face] is None and track_id not in taken and score >= self.min_iou:
                ids[face] = track_id
                taken.add(track_id)
        described = 0
        for face, box in enumerate(boxes):
            if ids[face] is not None:
                continue
            descriptor = None
            if described < self.max_descriptors_per_frame:
                descriptor = describe(face)
                described += 1
            found = self._nearest(descriptor, taken) if descriptor is not None else None
            track_id = self._start(t, box) if found is None else found
            if descriptor is not None:
                self._tracks[track_id].remember(descriptor)
            ids[face] = track_id
            taken.add(track_id)
        linked = [i for i in ids if i is not None]
        for face, track_id in enumerate(linked):
            state = self._tracks[track_id]
            state.last_t, state.box = t, boxes[face]
        return linked

    def _overlaps(self, t: float, boxes: Sequence[Box]) -> list[tuple[float, int, int]]:
        recent = [s for s in self._tracks.values() if t - s.last_t <= self.max_gap_s]
        pairs = [
            (iou(box, state.box), face, state.track_id)
            for face, box in enumerate(boxes)
            for state in recent
        ]
        pairs.sort(key=lambda p: -p[0])
        return pairs

    def _nearest(self, descriptor: NDArray[np.float32], taken: set[int]) -> int | None:
        from vigil.imaging.faces import descriptor_distance

        best_id, best = None, self.same_face_distance
        for state in self._tracks.values():
            if state.track_id in taken or state.descriptor is None:
                continue
            distance = descriptor_distance(descriptor, state.descriptor)
            if distance < best:
                best_id, best = state.track_id, distance
        return best_id

    def _start(self, t: float, box: Box) -> int:
        track_id = self._next_id
        self._next_id += 1
        self._tracks[track_id] = _TrackState(track_id, t, box)
        return track_id

    def _forget_before(self, t: float) -> None:
        for track_id in [k for k, s in self._tracks.items() if s.last_t < t]:
            del self._tracks[track_id]
