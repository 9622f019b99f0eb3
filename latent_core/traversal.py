"""Moving through latent space: interpolation, directions, traversals and nearest neighbours."""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from .decoder_directions import ganspace_directions, sefa_directions
from .errors import InvalidInputError
from .projection.validation import check_codes, check_vector

MODES = ("linear", "slerp")
DIRECTION_KINDS = ("axes", "pca", "attribute", "sefa", "ganspace")
MODEL_DIRECTION_KINDS = ("sefa", "ganspace")  # read from the model's decoder: need `model`
ATTRIBUTE_METHODS = ("mean_difference", "classifier")
MAX_STEPS = 10_000


def check_steps(steps, name: str = "steps", low: int = 2) -> int:
    if not isinstance(steps, (int, np.integer)) or not low <= steps <= MAX_STEPS:
        raise InvalidInputError(f"{name}={steps!r} is invalid; it must be a whole number from {low} to {MAX_STEPS}.")
    return int(steps)


def slerp_directions(u0: np.ndarray, u1: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Great-circle path between unit vectors u0, u1 (not opposite) at fractions t (T,) -> (T, d)."""
    omega = np.arccos(np.clip(np.dot(u0, u1), -1.0, 1.0))
    if omega < 1e-6:  # the same direction up to rounding: a normalised straight line is exact enough
        path = (1 - t)[:, None] * u0 + t[:, None] * u1
        return path / np.linalg.norm(path, axis=1, keepdims=True)
    return (np.sin((1 - t) * omega)[:, None] * u0 + np.sin(t * omega)[:, None] * u1) / np.sin(omega)


def interpolate(z0, z1, steps: int = 10, mode: str = "linear") -> np.ndarray:
    """`steps` codes from z0 to z1 inclusive, float32 (steps, d).

    "linear": straight line. "slerp": the direction follows the great circle between z0 and z1
    while the norm moves linearly from |z0| to |z1|, so every code keeps a typical length for a
    Gaussian prior (Tom White, "Sampling generative networks", 2016). Through the origin
    (opposite directions or a zero code) slerp falls back to the straight line.
    """
    if mode not in MODES:
        raise InvalidInputError(f"Interpolation mode {mode!r} is unknown; choose one of {', '.join(MODES)}.")
    steps = check_steps(steps)
    z0 = check_vector(z0, "start code").astype(np.float64)
    z1 = check_vector(z1, "end code", dim=len(z0)).astype(np.float64)
    t = np.linspace(0.0, 1.0, steps)
    n0, n1 = np.linalg.norm(z0), np.linalg.norm(z1)
    cosine = np.dot(z0, z1) / (n0 * n1) if n0 > 1e-12 and n1 > 1e-12 else -1.0
    if mode == "linear" or cosine < -1 + 1e-9:
        path = (1 - t)[:, None] * z0 + t[:, None] * z1
    else:
        path = ((1 - t) * n0 + t * n1)[:, None] * slerp_directions(z0 / n0, z1 / n1, t)
    path[0], path[-1] = z0, z1
    return path.astype(np.float32)


def interpolate_path(codes, steps_per_segment: int = 10, mode: str = "linear") -> np.ndarray:
    """A path through K codes in order, float32 ((K - 1) * steps_per_segment + 1, d).

    Each segment takes `steps_per_segment` steps; every waypoint appears exactly once.
    """
    codes = check_codes(codes, "waypoint codes", min_points=2)
    steps_per_segment = check_steps(steps_per_segment, "steps_per_segment", low=1)
    segments = [interpolate(a, b, steps_per_segment + 1, mode)[:-1] for a, b in zip(codes[:-1], codes[1:], strict=True)]
    return np.concatenate(segments + [codes[-1:]])


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    if (norms < 1e-12).any():
        raise InvalidInputError("The two groups have the same mean code, so they define no direction.")
    return (vectors / norms).astype(np.float32)


def group_mask(labels: np.ndarray, values, name: str) -> np.ndarray:
    mask = np.isin(labels, np.atleast_1d(np.asarray(values)))
    if not mask.any():
        raise InvalidInputError(f"No code has a label in {name}={values!r}.")
    return mask


def attribute_direction(codes: np.ndarray, labels, positive, negative, method: str) -> np.ndarray:
    """(1, d): from the negative group towards the positive group (negative=None: all other codes)."""
    if method not in ATTRIBUTE_METHODS:
        raise InvalidInputError(
            f"Attribute method {method!r} is unknown; choose one of {', '.join(ATTRIBUTE_METHODS)}."
        )
    if labels is None or positive is None:
        raise InvalidInputError("Attribute directions need labels (one per code) and a positive label value.")
    labels = np.asarray(labels)
    if labels.shape != (len(codes),):
        raise InvalidInputError(
            f"Attribute directions need one label per code: {len(codes)} labels, not shape {labels.shape}."
        )
    pos = group_mask(labels, positive, "positive")
    neg = ~pos if negative is None else group_mask(labels, negative, "negative") & ~pos
    if not neg.any():
        raise InvalidInputError("The negative group is empty: every code with a negative label is also positive.")
    if method == "mean_difference":
        return unit_rows((codes[pos].mean(axis=0, dtype=np.float64) - codes[neg].mean(axis=0, dtype=np.float64))[None])
    from sklearn.linear_model import LogisticRegression

    x = np.concatenate([codes[pos], codes[neg]])
    y = np.r_[np.ones(pos.sum()), np.zeros(neg.sum())]
    classifier = LogisticRegression(C=1.0, max_iter=1000).fit(x, y)
    return unit_rows(classifier.coef_)


def model_directions(codes: np.ndarray, kind: str, model) -> np.ndarray:
    """SeFa or GANSpace directions of `model`'s decoder (a LatentModel), float32 (K, d)."""
    if model is None:
        raise InvalidInputError(
            f"{kind!r} directions are read from a model's decoder; pass the model (model=...) as well as the codes."
        )
    if codes.shape[1] != model.latent_dim:
        raise InvalidInputError(
            f"The codes have {codes.shape[1]} values each but model '{model.name}' has {model.latent_dim} latent "
            "dimensions."
        )
    find = sefa_directions if kind == "sefa" else ganspace_directions
    return find(model.decoder, model.latent_dim)


def directions(
    codes,
    kind: str = "axes",
    labels=None,
    positive=None,
    negative=None,
    method: str = "mean_difference",
    model=None,
) -> np.ndarray:
    """Unit-length directions in latent space as rows, float32 (K, d).

    "axes": the d coordinate axes. "pca": the principal axes of the codes, by falling variance.
    "attribute": one direction from the codes labelled `negative` (a label or list of labels;
    None: all others) towards those labelled `positive`: the difference of the two group means
    (method="mean_difference", White 2016) or the normal of a logistic-regression boundary
    between them (method="classifier", InterFaceGAN, Shen et al. 2020).
    "sefa" and "ganspace" need `model`, a LatentModel whose decoder's first layer is linear in z
    (GANs, VAEs and AEs here): "sefa" gives the eigenvectors of WᵀW for that layer's weight W,
    orthonormal, by falling eigenvalue (Shen & Zhou 2021); "ganspace" the principal axes of the
    decoder's early activations over codes from N(0, I), regressed back to z, by falling variance
    (Härkönen et al. 2020). The codes only fix d for these two.
    """
    codes = check_codes(codes, "codes", min_points=1)
    if kind in MODEL_DIRECTION_KINDS:
        return model_directions(codes, kind, model)
    if kind == "axes":
        return np.eye(codes.shape[1], dtype=np.float32)
    if kind == "pca":
        if len(codes) < 2:
            raise InvalidInputError("PCA directions need at least 2 codes.")
        _, _, vt = np.linalg.svd(codes - codes.mean(axis=0), full_matrices=True)
        return unit_rows(vt * np.sign(vt[np.arange(len(vt)), np.abs(vt).argmax(axis=1)])[:, None])
    if kind == "attribute":
        return attribute_direction(codes, labels, positive, negative, method)
    raise InvalidInputError(f"Direction kind {kind!r} is unknown; choose one of {', '.join(DIRECTION_KINDS)}.")


def traverse(z, direction, values) -> np.ndarray:
    """Codes z + v * direction for each v in values, float32 (len(values), d).

    `direction` is used as given, so with a unit direction the values are distances in latent space.
    """
    z = check_vector(z, "code")
    direction = check_vector(direction, "direction", dim=len(z))
    values = check_codes(np.reshape(np.asarray(values, dtype=np.float64), (-1, 1)), "traversal values").ravel()
    return (z[None] + values[:, None] * direction[None]).astype(np.float32)


def nearest(codes, z, k: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Indices int64 and Euclidean distances float32 of the k codes nearest to z, closest first.

    z of shape (d,) gives two (k,) arrays; z of shape (M, d) gives two (M, k) arrays. For many searches over the
    same codes, build a CodeIndex once.
    """
    return CodeIndex(codes).nearest(z, k)


class CodeIndex:
    """Nearest codes among fixed codes (N, d), with the k-d tree built once (about 0.15 s for 100,000 x 32 codes),
    so that each search afterwards costs microseconds. `nearest` answers as the function `nearest` does."""

    def __init__(self, codes):
        self.codes_ = check_codes(codes, "codes")
        self.tree_ = cKDTree(self.codes_.astype(np.float64))

    def nearest(self, z, k: int = 5) -> tuple[np.ndarray, np.ndarray]:
        codes = self.codes_
        single = np.ndim(z) == 1
        queries = check_codes(np.atleast_2d(z), "query codes")
        if queries.shape[1] != codes.shape[1]:
            raise InvalidInputError(
                f"Query codes need {codes.shape[1]} values each, like the codes searched, not {queries.shape[1]}."
            )
        if not isinstance(k, (int, np.integer)) or not 1 <= k <= len(codes):
            raise InvalidInputError(
                f"k={k!r} is invalid; it must be a whole number from 1 to {len(codes)} (the number of codes)."
            )
        distances, indices = self.tree_.query(queries.astype(np.float64), k=k)
        indices = indices.reshape(len(queries), k).astype(np.int64)
        distances = distances.reshape(len(queries), k).astype(np.float32)
        return (indices[0], distances[0]) if single else (indices, distances)


def waypoints_along(codes, count: int) -> np.ndarray:
    """Positions (count,) int64 of `count` rows of codes (N, d) that make a readable path through a selection:
    the codes are ranked along their first principal direction, and the rows at evenly spaced ranks are taken in
    that order, from one end of the selection to the other (all N when N <= count). The direction's sign is fixed
    so that the path starts at the end where the first code lies, which keeps the order stable for one selection.
    """
    codes = check_codes(codes, "selected codes")
    if not isinstance(count, (int, np.integer)) or count < 2:
        raise InvalidInputError(f"A path needs at least 2 waypoints, not {count!r}.")
    centred = codes.astype(np.float64) - codes.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    along = centred @ vt[0]
    if along[0] > 0:
        along = -along
    ranked = np.argsort(along, kind="stable")
    if len(ranked) <= count:
        return ranked.astype(np.int64)
    return ranked[np.round(np.linspace(0, len(ranked) - 1, count)).astype(int)].astype(np.int64)
