"""A synthetic, face-like set of grey photos: `identities` people, each drawn several times under other poses.

It stands in for a small photo set such as the Olivetti faces (400 images, 64x64, 40 people),
which cannot be downloaded offline. Each identity fixes a face's build (head width and length,
skin tone, hair, eyes, brows, nose, mouth, glasses, beard); each image of it varies the pose
(shift, tilt, scale), the light (strength and direction), the expression (smile, eye
openness) and adds sensor grain. Same arguments, same images.
"""

from __future__ import annotations

import numpy as np

from ..dataset import ImageDataset

EDGE_PX = 0.6  # softness of every outline, in pixels of the output image


def soft(distance: np.ndarray, edge: float) -> np.ndarray:
    """Coverage in [0, 1] of a region whose signed distance (negative inside) is `distance`."""
    return 1.0 / (1.0 + np.exp(np.clip(distance / edge, -30, 30)))


def ellipse(u: np.ndarray, v: np.ndarray, cu, cv, ru, rv) -> np.ndarray:
    """Approximate signed distance (in canvas units) to an axis-aligned ellipse centred at (cu, cv)."""
    return (np.sqrt(((u - cu) / ru) ** 2 + ((v - cv) / rv) ** 2) - 1.0) * np.minimum(ru, rv)


def identity_traits(rng: np.random.Generator, identities: int) -> dict[str, np.ndarray]:
    """Per-person traits, each float (identities,), in canvas units ([-1, 1] across the image)."""
    draw = lambda low, high: rng.uniform(low, high, identities)  # noqa: E731
    return {
        "head_w": draw(0.50, 0.66),
        "head_h": draw(0.66, 0.82),
        "skin": draw(0.45, 0.85),
        "hair": draw(0.05, 0.45),
        "hairline": draw(-0.55, -0.25),
        "hair_volume": draw(0.0, 0.14),
        "eye_gap": draw(0.20, 0.30),
        "eye_y": draw(-0.20, -0.05),
        "eye_size": draw(0.045, 0.085),
        "brow": draw(0.015, 0.04),
        "nose_len": draw(0.12, 0.26),
        "mouth_y": draw(0.30, 0.45),
        "mouth_w": draw(0.12, 0.26),
        "glasses": (rng.random(identities) < 0.3).astype(float),
        "beard": (rng.random(identities) < 0.25).astype(float),
        "background": draw(0.15, 0.55),
    }


def pose_variation(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Per-image pose, light and expression, each float (n,)."""
    draw = lambda low, high: rng.uniform(low, high, n)  # noqa: E731
    return {
        "dx": draw(-0.10, 0.10),
        "dy": draw(-0.08, 0.08),
        "tilt": draw(-0.20, 0.20),
        "zoom": draw(0.92, 1.08),
        "light": draw(0.0, 0.35),
        "light_angle": draw(0, 2 * np.pi),
        "smile": draw(-0.06, 0.10),
        "open": draw(0.4, 1.0),
    }


def draw_faces(traits: dict, pose: dict, size: int) -> np.ndarray:
    """Grey faces in [0, 1], float32 (n, size, size), for per-image traits and poses (dicts of arrays (n,))."""
    t = {k: np.asarray(v, dtype=np.float32)[:, None, None] for k, v in traits.items()}
    p = {k: np.asarray(v, dtype=np.float32)[:, None, None] for k, v in pose.items()}
    axis = (np.arange(size, dtype=np.float32) + 0.5) / size * 2 - 1
    gy, gx = axis[None, :, None], axis[None, None, :]
    # Canvas -> face coordinates: undo each image's shift, tilt and zoom.
    x, y = (gx - p["dx"]) / p["zoom"], (gy - p["dy"]) / p["zoom"]
    u, v = np.cos(p["tilt"]) * x + np.sin(p["tilt"]) * y, -np.sin(p["tilt"]) * x + np.cos(p["tilt"]) * y
    edge = EDGE_PX * 2 / size
    eye = t["eye_size"]

    def fill(image, shade, mask):
        return image * (1 - mask) + shade * mask

    image = np.broadcast_to(t["background"] + 0.12 * gy, u.shape)  # a wall lit from above
    light = 1 + p["light"] * (np.cos(p["light_angle"]) * u + np.sin(p["light_angle"]) * v)
    head = soft(ellipse(u, v, 0, 0.05, t["head_w"], t["head_h"]), edge)
    image = fill(image, np.clip(t["skin"] * light, 0, 1), head)
    image = fill(image, 0.6 * t["hair"], 0.8 * t["beard"] * head * soft(0.12 - v, edge * 4))
    crown = ellipse(u, v, 0, 0.0, t["head_w"] + t["hair_volume"], t["head_h"] + t["hair_volume"])
    image = fill(image, t["hair"], soft(crown, edge) * soft(v - t["hairline"] + 0.15 * u**2, edge * 3))
    for side in (-1, 1):
        cu, cv = side * t["eye_gap"], t["eye_y"]
        white = soft(ellipse(u, v, cu, cv, 1.6 * eye, eye * p["open"]), edge)
        image = fill(image, 0.9, white)
        image = fill(image, 0.08, soft(ellipse(u, v, cu, cv, 0.7 * eye, 0.7 * eye), edge) * white)
        image = fill(image, 0.6 * t["hair"], soft(ellipse(u, v, cu, cv - 2.2 * eye, 2.0 * eye, t["brow"]), edge))
        ring = np.abs(ellipse(u, v, cu, cv, 2.4 * eye, 2.0 * eye)) - 0.012
        image = fill(image, 0.05, t["glasses"] * soft(ring, edge))
    half = t["nose_len"] / 2
    nose = soft(np.maximum(np.abs(u) - 0.02, np.abs(v - t["eye_y"] - half) - half), edge)
    image = fill(image, 0.75 * t["skin"], nose)
    curve = t["mouth_y"] - p["smile"] * (1 - (u / t["mouth_w"]) ** 2)
    mouth = soft(np.maximum(np.abs(v - curve) - 0.022, np.abs(u) - t["mouth_w"]), edge)
    image = fill(image, 0.25 * t["skin"], mouth)
    return np.clip(image, 0, 1).astype(np.float32)


def make_faces(n: int = 400, size: int = 64, identities: int = 40, seed: int = 0) -> ImageDataset:
    """`n` grey face-like photos, uint8 (n, size, size, 1), labelled by identity (n // identities each, in turn).

    Factors: identity, and each image's pose: dx, dy (shift), tilt (radians), zoom, light
    (strength of the side light), smile.
    """
    rng = np.random.default_rng(seed)
    traits = identity_traits(rng, identities)
    person = np.arange(n) % identities
    pose = pose_variation(rng, n)
    faces = draw_faces({k: v[person] for k, v in traits.items()}, pose, size)
    grain = rng.normal(0, 0.015, faces.shape).astype(np.float32)
    images = np.rint(np.clip(faces + grain, 0, 1) * 255).astype(np.uint8)[..., None]
    factors = {"identity": person.astype(np.int64)} | {
        k: pose[k].astype(np.float32) for k in ("dx", "dy", "tilt", "zoom", "light", "smile")
    }
    names = [f"person {i + 1}" for i in range(identities)]
    return ImageDataset(images, person.astype(np.int64), names, factors, "faces")
