"""Hand-made spectral features for synthetic-speech detection and speaker
embeddings, numpy only, fast on one core.

Every unit of audio (a speech segment) goes through the same normalisation
before any feature is taken, whatever its class or origin: 16 kHz mono (the
decoder), the 16-bit PCM grid (`quantise_16bit`), DC removed, and loudness set
to -26 dBFS RMS over its active frames. The model therefore cannot learn the
recording's format or level.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt

from vigil.audio.decode import TARGET_RATE, quantise_16bit

__all__ = [
    "FEATURE_VERSION",
    "MIN_UNIT_S",
    "Spectra",
    "loudness_normalise",
    "spectra",
    "speaker_frames",
    "spoof_feature_names",
    "spoof_features",
]

FEATURE_VERSION = "spoof-features-1"
MIN_UNIT_S = 0.4
"""Units shorter than this are not scored."""
N_FFT = 512
WIN = 400
HOP = 160
_BINS = N_FFT // 2 + 1
_TARGET_DBFS = -26.0
_EPS = 1e-10
Float = npt.NDArray[np.float64]


def loudness_normalise(samples: npt.NDArray[np.float32]) -> Float:
    """16-bit grid, DC removed, -26 dBFS RMS over frames within 30 dB of the loudest."""
    x = quantise_16bit(samples).astype(np.float64)
    x = x - x.mean() if x.size else x
    if x.size < WIN:
        return x
    usable = x.size // HOP * HOP
    energies = np.mean(x[:usable].reshape(-1, HOP) ** 2, axis=1)
    if not energies.size or energies.max() <= 0:
        return x
    active = energies[energies >= energies.max() * 1e-3]
    rms = np.sqrt(np.mean(active))
    gain = 10 ** (_TARGET_DBFS / 20) / max(rms, 1e-6)
    return np.asarray(x * min(gain, 1e4), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class Spectra:
    """STFT of one unit: complex frames (T, 257) and power (T, 257)."""

    complex: npt.NDArray[np.complex64]
    power: Float
    frame_db: Float
    active: npt.NDArray[np.bool_]


@cache
def _window() -> Float:
    w = np.zeros(N_FFT)
    w[:WIN] = np.hanning(WIN + 2)[1:-1]
    return w


def spectra(x: Float) -> Spectra:
    if x.size < N_FFT:
        x = np.pad(x, (0, N_FFT - x.size))
    count = 1 + (x.size - N_FFT) // HOP
    idx = np.arange(N_FFT)[None, :] + HOP * np.arange(count)[:, None]
    frames = (x[idx] * _window()).astype(np.float32)
    spec = np.fft.rfft(frames, axis=1).astype(np.complex64, copy=False)
    power = (spec.real**2 + spec.imag**2).astype(np.float64)
    frame_db = 10 * np.log10(power.sum(axis=1) + _EPS)
    active = frame_db >= frame_db.max() - 35.0
    return Spectra(spec, power, frame_db, active)


@cache
def _triangular_bank(edges_hz: tuple[float, ...]) -> Float:
    freqs = np.linspace(0, TARGET_RATE / 2, _BINS)
    edges = np.array(edges_hz)
    bank = np.zeros((len(edges) - 2, _BINS))
    for i in range(len(edges) - 2):
        lo, mid, hi = edges[i], edges[i + 1], edges[i + 2]
        up = (freqs - lo) / max(mid - lo, 1e-9)
        down = (hi - freqs) / max(hi - mid, 1e-9)
        bank[i] = np.clip(np.minimum(up, down), 0, None)
    return bank


@cache
def _linear_bank(count: int = 30) -> Float:
    return _triangular_bank(tuple(np.linspace(0, TARGET_RATE / 2, count + 2)))


@cache
def _mel_bank(count: int = 32, fmin: float = 20.0, fmax: float = 8000.0) -> Float:
    def mel(f: Float) -> Float:
        return 2595 * np.log10(1 + f / 700)

    points = np.linspace(mel(np.array(fmin)), mel(np.array(fmax)), count + 2)
    return _triangular_bank(tuple(700 * (10 ** (points / 2595) - 1)))


@cache
def _dct_matrix(n_in: int, n_out: int) -> Float:
    k = np.arange(n_out)[:, None]
    n = np.arange(n_in)[None, :]
    return np.asarray(np.sqrt(2 / n_in) * np.cos(np.pi * k * (2 * n + 1) / (2 * n_in)))


def _deltas(feat: Float) -> Float:
    if feat.shape[0] < 3:
        return np.zeros_like(feat)
    padded = np.pad(feat, ((2, 2), (0, 0)), mode="edge")
    return (2 * (padded[4:] - padded[:-4]) + (padded[3:-1] - padded[1:-3])) / 10.0


def _mean_std(values: Float) -> list[float]:
    if values.shape[0] == 0:
        return [0.0] * (2 * values.shape[1])
    return [*values.mean(axis=0), *values.std(axis=0)]


def _band(lo_hz: float, hi_hz: float) -> slice:
    scale = N_FFT / TARGET_RATE
    return slice(int(lo_hz * scale), int(hi_hz * scale) + 1)


def spoof_feature_names() -> list[str]:
    names: list[str] = []
    names += [f"lfcc{i}_{s}" for s in ("mean", "std") for i in range(1, 21)]
    names += [f"dlfcc{i}_{s}" for s in ("mean", "std") for i in range(1, 21)]
    names += [f"mel{i}_shape" for i in range(32)]
    names += [f"mel{i}_std" for i in range(32)]
    names += [f"flatness_{b}_{s}" for b in ("lo", "hi") for s in ("mean", "std")]
    names += [f"rolloff{p}_{s}" for p in (85, 95) for s in ("mean", "std")]
    names += ["centroid_mean", "centroid_std"]
    names += ["band_4_8k_db", "band_6_8k_db", "band_7_8k_db", "band_3_4k_db"]
    names += ["floor_db", "digital_silence", "frame_db_std"]
    names += [f"mod_{b}" for b in ("1_4", "4_8", "8_16", "16_32")]
    names += [f"ifdev_{b}" for b in ("0_1k", "1_2k", "2_4k", "4_8k")]
    names += ["gdelay_lo", "gdelay_hi"]
    names += [f"ltas_resid_{b}" for b in ("0_2k", "2_4k", "4_6k", "6_8k")]
    names += ["ltas_peak"]
    return names


def spoof_features(samples: npt.NDArray[np.float32]) -> Float:
    """A fixed-length feature vector for one speech unit (see `spoof_feature_names`)."""
    x = loudness_normalise(samples)
    s = spectra(x)
    act = s.active if s.active.sum() >= 3 else np.ones_like(s.active)
    power = s.power
    out: list[float] = []

    lin = np.log(power @ _linear_bank().T + _EPS)
    lfcc = lin @ _dct_matrix(lin.shape[1], 21)[1:].T
    out += _mean_std(lfcc[act])
    out += _mean_std(_deltas(lfcc)[act])

    mel = np.log(power @ _mel_bank().T + _EPS)
    mel_act = mel[act]
    shape = mel_act.mean(axis=0)
    out += list(shape - shape.mean())
    out += list(mel_act.std(axis=0))

    for band in (_band(0, 4000), _band(4000, 8000)):
        p = power[act][:, band] + _EPS
        flat = np.exp(np.log(p).mean(axis=1)) / p.mean(axis=1)
        out += [float(np.log(flat).mean()), float(np.log(flat).std())]
    cum = np.cumsum(power[act], axis=1)
    total = cum[:, -1:] + _EPS
    for level in (0.85, 0.95):
        roll = (cum < level * total).sum(axis=1) / _BINS
        out += [float(roll.mean()), float(roll.std())]
    freqs = np.linspace(0, 1, _BINS)
    centroid = (power[act] * freqs).sum(axis=1) / (power[act].sum(axis=1) + _EPS)
    out += [float(centroid.mean()), float(centroid.std())]

    ltas = power[act].mean(axis=0) + _EPS
    whole = ltas.sum()
    for lo, hi in ((4000, 8000), (6000, 8000), (7000, 8000), (3000, 4000)):
        out.append(float(10 * np.log10(ltas[_band(lo, hi)].sum() / whole + _EPS)))

    db = s.frame_db
    top = np.percentile(db, 95)
    out.append(float(np.percentile(db, 10) - top))
    out.append(float(np.mean(db < top - 70)))
    out.append(float(db[act].std()))

    out += _modulation(mel)
    out += _phase(s, act)

    log_ltas = np.log(ltas)
    kernel = np.ones(9) / 9
    smooth = np.convolve(np.pad(log_ltas, 4, mode="edge"), kernel, mode="valid")
    resid = log_ltas - smooth
    for lo, hi in ((0, 2000), (2000, 4000), (4000, 6000), (6000, 8000)):
        out.append(float(resid[_band(lo, hi)].std()))
    out.append(float(resid[5:].max()))

    vec = np.asarray(out, dtype=np.float64)
    return np.nan_to_num(vec, nan=0.0, posinf=0.0, neginf=0.0)


def _modulation(mel: Float) -> list[float]:
    """Share of band-envelope modulation energy in 1-4, 4-8, 8-16 and 16-32 Hz."""
    if mel.shape[0] < 16:
        return [0.0] * 4
    groups = mel[:, : mel.shape[1] // 4 * 4].reshape(mel.shape[0], -1, 4).mean(axis=2)
    env = groups - groups.mean(axis=0)
    spec = np.abs(np.fft.rfft(env * np.hanning(env.shape[0])[:, None], axis=0)) ** 2
    freqs = np.fft.rfftfreq(env.shape[0], d=HOP / TARGET_RATE)
    total = spec[(freqs >= 1) & (freqs < 50)].sum() + _EPS
    return [
        float(spec[(freqs >= lo) & (freqs < hi)].sum() / total)
        for lo, hi in ((1, 4), (4, 8), (8, 16), (16, 32))
    ]


def _phase(s: Spectra, act: npt.NDArray[np.bool_]) -> list[float]:
    """Instantaneous-frequency deviation (time) and group-delay spread (frequency),
    magnitude-weighted, over active frames. Phase-less vocoders (Griffin-Lim)
    and some neural vocoders leave less consistent phase than a microphone."""
    spec = s.complex
    if spec.shape[0] < 3:
        return [0.0] * 6
    out: list[float] = []
    # X_t * conj(X_t-1) rotated by the phase advance a stationary bin would have;
    # its magnitude-weighted circular spread is 1 - sum(Re z) / sum(|z|)
    advance = np.exp(-2j * np.pi * HOP * np.arange(_BINS) / N_FFT).astype(spec.dtype)
    both = act[1:] & act[:-1]
    prod = spec[1:][both] * np.conj(spec[:-1][both]) * advance
    for lo, hi in ((0, 1000), (1000, 2000), (2000, 4000), (4000, 8000)):
        z = prod[:, _band(lo, hi)]
        out.append(float(1.0 - z.real.sum() / (np.abs(z).sum() + _EPS)))
    # neighbouring bins: 1 - |sum z| / sum |z| per frame, averaged
    frames = spec[act]
    across = frames[:, 1:] * np.conj(frames[:, :-1])
    for lo, hi in ((0, 4000), (4000, 8000)):
        z = across[:, _band(lo, hi)]
        spread = 1.0 - np.abs(z.sum(axis=1)) / (np.abs(z).sum(axis=1) + _EPS)
        out.append(float(spread.mean()))
    return out


def speaker_frames(samples: npt.NDArray[np.float32]) -> Float:
    """MFCC 1-19 and their deltas for the active frames of one unit, from 40
    mel bands between 60 and 3800 Hz (so narrow-band telephone and wide-band
    recordings are described alike)."""
    x = loudness_normalise(samples)
    s = spectra(x)
    act = s.active if s.active.sum() >= 3 else np.ones_like(s.active)
    mel = np.log(s.power @ _mel_bank(40, 60.0, 3800.0).T + _EPS)
    mfcc = mel @ _dct_matrix(40, 20)[1:].T
    both = np.hstack([mfcc, _deltas(mfcc)])
    return np.asarray(both[act], dtype=np.float64)
