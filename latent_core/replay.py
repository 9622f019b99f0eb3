"""The map over training: the codes of a fixed sample of images taken at a few epochs, aligned for replay.

Training (training.fit) records, through a `MapRecorder`, the posterior means of at most 2,000 images chosen by
the run's seed, before training (epoch 0) and after up to 8 epochs spread over the run; the last frame is always
the codes of the weights the model keeps (its best epoch). They are saved with the checkpoint as
training_map.safetensors and come back as `LatentModel.training_map`.

`TrainingMap.aligned()` gives 2-D frames that do not jump: PCA fitted on each frame, then each frame rotated
(orthogonal Procrustes, reflections allowed) and scaled onto the last frame, so a point moves only as much as the
map around it changed. `replay_gif` draws them as an animated GIF with numpy and Pillow.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image, ImageDraw
from scipy.linalg import orthogonal_procrustes

from .checkpoint.format import MAP_FILE
from .errors import InvalidInputError
from .imaging import gif_bytes

__all__ = [
    "MAP_FILE",
    "MapRecorder",
    "TrainingMap",
    "frame_epochs",
    "mean_displacement",
    "pca_frames",
    "procrustes_align",
    "replay_gif",
    "sample_indices",
]

MAX_SAMPLE = 2000
MAX_FRAMES = 8  # spread over training, besides the one before training
ENCODE_BATCH = 512
PALETTE = (
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac", "#1f77b4", "#8c564b", "#17becf", "#bcbd22", "#7f7f7f", "#d62728",
)  # fmt: skip  # the map component's palette (assets/map/common.js)
UNLABELLED = "#4e79a7"


def sample_indices(n: int, seed: int, size: int = MAX_SAMPLE) -> np.ndarray:
    """The images a run follows: all of n, or `size` of them drawn by `seed`; sorted int64."""
    if n <= size:
        return np.arange(n, dtype=np.int64)
    return np.sort(np.random.default_rng([seed, 7]).choice(n, size, replace=False)).astype(np.int64)


def frame_epochs(epochs: int, frames: int = MAX_FRAMES) -> list[int]:
    """Epochs after which codes are taken: 0 (before training) and up to `frames` epochs spread evenly up to
    `epochs`, the last one included."""
    spread = np.unique(np.round(np.linspace(0, epochs, frames + 1)).astype(int))
    return sorted({0, *spread.tolist()})


@dataclass(frozen=True)
class TrainingMap:
    """indices int64 (n,): the dataset images followed; epochs int64 (F,): the epoch after which each frame was
    taken (0: before training); codes float32 (F, n, d): their posterior means; final: whether the last frame is
    the kept weights' codes taken after training (the best epoch's, `epochs[-1]`, or -1 for a cancelled epoch)
    rather than a frame of the schedule; seconds: time spent recording (not saved)."""

    indices: np.ndarray
    epochs: np.ndarray
    codes: np.ndarray
    final: bool = False
    seconds: float = 0.0

    def __post_init__(self):
        indices, epochs = np.asarray(self.indices), np.asarray(self.epochs)
        codes = np.asarray(self.codes)
        if indices.ndim != 1 or epochs.ndim != 1 or codes.ndim != 3:
            raise InvalidInputError("A training map needs indices (n,), epochs (F,) and codes (F, n, d).")
        if codes.shape[:2] != (len(epochs), len(indices)) or not len(epochs) or not len(indices):
            raise InvalidInputError(
                f"A training map's codes {codes.shape} do not match its {len(epochs)} frames of {len(indices)} images."
            )
        if not np.issubdtype(indices.dtype, np.integer) or (len(indices) and indices.min() < 0):
            raise InvalidInputError("A training map's indices must be whole numbers from 0.")
        if not np.isfinite(codes).all():
            raise InvalidInputError("A training map's codes contain NaN or infinite values.")

    @property
    def frame_count(self) -> int:
        return len(self.epochs)

    def frame_names(self) -> list[str]:
        """A caption per frame: 'before training', 'after epoch 5', 'kept weights (epoch 4)'."""
        names = ["before training" if e == 0 else f"after epoch {e}" for e in self.epochs.tolist()]
        if self.final:
            kept = int(self.epochs[-1])
            names[-1] = f"kept weights (epoch {kept})" if kept > 0 else "kept weights (when cancelled)"
        return names

    def aligned(self) -> np.ndarray:
        """float32 (F, n, 2): each frame's PCA, rotated and scaled onto the last frame's (see procrustes_align)."""
        return procrustes_align(pca_frames(self.codes))

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The tensors saved as training_map.safetensors (codes as float16: a map needs no more). No metadata:
        safetensors writes it in no fixed order, and a checkpoint's bytes must be the same each time it is saved."""
        return {
            "indices": np.ascontiguousarray(self.indices, dtype=np.int64),
            "epochs": np.ascontiguousarray(self.epochs, dtype=np.int64),
            "codes": np.ascontiguousarray(self.codes, dtype=np.float16),
            "final": np.array([int(self.final)], dtype=np.int64),
        }

    @classmethod
    def from_arrays(cls, tensors: dict[str, np.ndarray]) -> TrainingMap:
        """The inverse of to_arrays; InvalidInputError when something is missing or malformed."""
        if set(tensors) != {"indices", "epochs", "codes", "final"} or tensors["final"].shape != (1,):
            raise InvalidInputError(f"{MAP_FILE} must hold indices, epochs, codes and final, not {sorted(tensors)}.")
        return cls(
            tensors["indices"].astype(np.int64),
            tensors["epochs"].astype(np.int64),
            tensors["codes"].astype(np.float32),
            final=bool(tensors["final"][0]),
        )


def pca_frames(codes: np.ndarray, dims: int = 2) -> np.ndarray:
    """float32 (F, n, dims): each frame of codes (F, n, d) projected on its own first `dims` principal axes
    (zeros past d). Unaligned: each frame's axes have their own signs and order."""
    codes = np.asarray(codes, dtype=np.float64)
    out = np.zeros((*codes.shape[:2], dims), dtype=np.float64)
    for f, frame in enumerate(codes):
        centred = frame - frame.mean(axis=0)
        u, s, _ = np.linalg.svd(centred, full_matrices=False)
        k = min(dims, len(s))
        out[f, :, :k] = u[:, :k] * s[:k]
    return out.astype(np.float32)


def procrustes_align(frames: np.ndarray) -> np.ndarray:
    """float32 (F, n, k): each frame (n, k) rotated (or reflected) by orthogonal Procrustes onto the last frame,
    and scaled to the last frame's spread (Frobenius norm), so points keep their place where the map did not
    change. A frame with no spread is left as it is."""
    frames = np.asarray(frames, dtype=np.float64)
    target = frames[-1] - frames[-1].mean(axis=0)
    reach = np.linalg.norm(target)
    out = np.empty_like(frames)
    for f, frame in enumerate(frames):
        centred = frame - frame.mean(axis=0)
        norm = np.linalg.norm(centred)
        if norm == 0 or reach == 0:
            out[f] = centred
            continue
        rotation, _ = orthogonal_procrustes(centred, target)
        out[f] = centred @ rotation * (reach / norm)
    return out.astype(np.float32)


def mean_displacement(frames: np.ndarray) -> float:
    """The mean distance a point moves from one frame to the next, over all points and steps, for frames
    (F, n, k), in units of the last frame's RMS distance from its centre (so scales compare)."""
    frames = np.asarray(frames, dtype=np.float64)
    if len(frames) < 2:
        return 0.0
    last = frames[-1] - frames[-1].mean(axis=0)
    unit = np.sqrt((last**2).sum(axis=1).mean()) or 1.0
    return float(np.linalg.norm(np.diff(frames, axis=0), axis=2).mean() / unit)


class MapRecorder:
    """Records a TrainingMap during training: `record(network, epoch)` after each epoch (and with 0 before the
    first), `result(model)` once training returns its kept weights.

    images: uint8 tensor (N, H, W, C), the training dataset's; epochs: the run's planned epochs; seed: picks the
    sample (see sample_indices).
    """

    def __init__(self, images: torch.Tensor, epochs: int, seed: int, sample: int = MAX_SAMPLE):
        self.images = images
        self.indices = sample_indices(len(images), seed, sample)
        self.wanted = set(frame_epochs(epochs))
        self.epochs: list[int] = []
        self.frames: list[np.ndarray] = []
        self.seconds = 0.0

    @torch.no_grad()
    def codes(self, encoder: torch.nn.Module) -> np.ndarray:
        """Posterior means float32 (n, d) of the sample under `encoder` (already in eval mode)."""
        out = []
        for start in range(0, len(self.indices), ENCODE_BATCH):
            index = torch.from_numpy(self.indices[start : start + ENCODE_BATCH])
            x = self.images[index].permute(0, 3, 1, 2).float().div_(255.0)
            out.append(encoder(x)[0].numpy())
        return np.concatenate(out).astype(np.float32)

    def record(self, network, epoch: int) -> None:
        """Take the sample's codes after `epoch` if it is a frame epoch; the network's train/eval mode is kept."""
        if epoch not in self.wanted or network.encoder is None:
            return
        started, training = time.perf_counter(), network.training
        network.eval()
        try:
            self.frames.append(self.codes(network.encoder))
            self.epochs.append(epoch)
        finally:
            network.train(training)
            self.seconds += time.perf_counter() - started

    def result(self, model) -> TrainingMap | None:
        """The TrainingMap of a finished (or cancelled) run whose model holds its kept weights: the recorded frames,
        then the kept weights' codes unless the last frame already shows them (best_epoch is the last recorded)."""
        if model.network.encoder is None or not self.frames:
            return None
        started = time.perf_counter()
        kept = model.config.get("best_epoch")
        epochs, frames, final = list(self.epochs), list(self.frames), False
        if kept is None or kept != epochs[-1]:
            model.network.eval()
            frames.append(self.codes(model.network.encoder))
            epochs.append(-1 if kept is None else int(kept))
            final = True
        seconds = self.seconds + time.perf_counter() - started
        return TrainingMap(self.indices, np.asarray(epochs, dtype=np.int64), np.stack(frames), final, seconds)


def hex_rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))


def replay_gif(
    frames: np.ndarray,
    labels: np.ndarray | None = None,
    names: list[str] | None = None,
    size: int = 360,
    frame_ms: int = 700,
    radius: int = 2,
) -> bytes:
    """An animated GIF of map frames float (F, n, 2) (e.g. TrainingMap.aligned()), one picture per frame, with
    the same axes throughout; points coloured by integer `labels` (n,) in the map's palette, captioned `names`."""
    frames = np.asarray(frames, dtype=np.float64)
    if frames.ndim != 3 or frames.shape[2] != 2 or not frames.shape[0] or not frames.shape[1]:
        raise InvalidInputError(f"Replay frames must be an array (frames, points, 2), not shape {frames.shape}.")
    if labels is not None and np.shape(labels) != (frames.shape[1],):
        raise InvalidInputError(f"Replay labels must be one per point ({frames.shape[1]}), not {np.shape(labels)}.")
    margin, caption = 10, 18
    low, high = frames.reshape(-1, 2).min(axis=0), frames.reshape(-1, 2).max(axis=0)
    span = np.maximum(high - low, 1e-9).max()
    scale = (size - 2 * margin) / span
    offset = margin + ((size - 2 * margin) - (high - low) * scale) / 2
    colours = (
        [hex_rgb(PALETTE[int(v) % len(PALETTE)]) for v in np.asarray(labels)]
        if labels is not None
        else [hex_rgb(UNLABELLED)] * frames.shape[1]
    )
    pictures = []
    for f, frame in enumerate(frames):
        picture = Image.new("RGB", (size, size + caption), "white")
        draw = ImageDraw.Draw(picture)
        xy = (frame - low) * scale + offset
        xy[:, 1] = size - xy[:, 1] + caption  # y up, below the caption
        for (x, y), colour in zip(xy, colours, strict=True):
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=colour)
        if names is not None:
            draw.text((margin, 3), str(names[f]), fill=(40, 40, 40))
        pictures.append(np.asarray(picture))
    return gif_bytes(np.stack(pictures), frame_ms=frame_ms, bounce=False)
