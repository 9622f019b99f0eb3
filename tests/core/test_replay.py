"""The map over training: frames recorded by train_model, saved with the checkpoint, aligned and drawn as a GIF."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from PIL import Image
from scipy.stats import special_ortho_group

import latent_core as lc
from latent_core.checkpoint.format import MAP_FILE
from latent_core.replay import (
    MAX_SAMPLE,
    TrainingMap,
    frame_epochs,
    mean_displacement,
    pca_frames,
    procrustes_align,
    sample_indices,
)

TINY = {"latent_dim": 3, "batch_size": 50, "hidden": 16, "base_channels": 8}


@pytest.fixture(scope="module")
def small(digits):
    return digits.subset(np.arange(150))


@pytest.fixture(scope="module")
def trained(small):
    return lc.train_model(small, epochs=3, threads=1, **TINY)


def test_frames_are_taken_before_training_and_spread_up_to_the_last_epoch():
    assert frame_epochs(1) == [0, 1]
    assert frame_epochs(3) == [0, 1, 2, 3]
    spread = frame_epochs(100)
    assert spread[0] == 0 and spread[-1] == 100 and len(spread) == 9
    assert np.diff(spread).max() - np.diff(spread).min() <= 1


def test_the_sample_is_at_most_2000_images_chosen_by_the_seed():
    assert np.array_equal(sample_indices(50, seed=3), np.arange(50))
    chosen = sample_indices(10_000, seed=3)
    assert len(chosen) == MAX_SAMPLE and len(np.unique(chosen)) == MAX_SAMPLE and np.all(np.diff(chosen) > 0)
    assert np.array_equal(chosen, sample_indices(10_000, seed=3))
    assert not np.array_equal(chosen, sample_indices(10_000, seed=4))


def drifting_frames(seed: int = 0, frames: int = 6, n: int = 300, d: int = 5) -> np.ndarray:
    """Codes (frames, n, d) of one anisotropic cloud, turned by a random rotation of the latent space per frame,
    growing and drifting a little: the map's content barely changes, but each frame's PCA axes point anywhere."""
    rng = np.random.default_rng(seed)
    cloud = rng.standard_normal((n, d)) * np.array([3.0, 2.0, 1.0, 0.5, 0.2])
    out = []
    for f in range(frames):
        turn = special_ortho_group.rvs(d, random_state=seed * 100 + f)
        out.append((cloud + 0.05 * f * rng.standard_normal((n, d))) @ turn * (1 + 0.2 * f))
    return np.stack(out).astype(np.float32)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_aligned_frames_move_less_than_unaligned_ones(seed):
    codes = drifting_frames(seed)
    unaligned = pca_frames(codes)
    aligned = procrustes_align(unaligned)
    assert aligned.shape == unaligned.shape == (6, 300, 2)
    assert mean_displacement(aligned) < 0.5 * mean_displacement(unaligned)
    assert mean_displacement(aligned) < 0.5 * mean_displacement(scaled(unaligned))  # the turn helps, not the scale
    assert mean_displacement(aligned) < 0.2  # of the last frame's spread: the points stay where they were


def scaled(frames: np.ndarray) -> np.ndarray:
    """Each frame centred and scaled to the last frame's spread, not turned."""
    centred = frames - frames.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(centred, axis=(1, 2), keepdims=True)
    return centred * (norms[-1] / norms)


def test_alignment_keeps_the_last_frame_and_each_frames_shape():
    frames = pca_frames(drifting_frames())
    aligned = procrustes_align(frames)
    np.testing.assert_allclose(aligned[-1], frames[-1] - frames[-1].mean(axis=0), atol=1e-5)
    for before, after in zip(frames, aligned, strict=True):  # a rotation and a scale keep relative distances
        ratio = np.linalg.norm(after[1:] - after[0], axis=1) / np.linalg.norm(before[1:] - before[0], axis=1)
        np.testing.assert_allclose(ratio, ratio[0], rtol=1e-4)


def test_a_one_dimensional_code_and_a_frame_without_spread_still_align():
    codes = np.random.default_rng(0).standard_normal((3, 20, 1)).astype(np.float32)
    codes[0] = 0.0
    aligned = procrustes_align(pca_frames(codes))
    assert aligned.shape == (3, 20, 2) and np.isfinite(aligned).all()
    assert np.all(aligned[0] == 0) and np.all(aligned[:, :, 1] == 0)


def test_training_records_a_frame_per_epoch_ending_with_the_kept_weights(trained, small):
    recorded = trained.training_map
    assert isinstance(recorded, TrainingMap)
    np.testing.assert_array_equal(recorded.indices, np.arange(len(small)))
    kept = trained.config["best_epoch"]
    assert recorded.epochs[:4].tolist() == [0, 1, 2, 3]
    assert recorded.final == (kept != 3) and recorded.epochs[-1] == kept
    assert recorded.codes.shape == (len(recorded.epochs), len(small), 3)
    # the last frame is the map of the model as it is kept
    np.testing.assert_allclose(recorded.codes[-1], trained.encode(small.images), atol=1e-5)
    assert not np.allclose(recorded.codes[0], recorded.codes[-1], atol=1e-2)  # training moved the codes
    assert recorded.seconds > 0
    assert recorded.frame_names()[0] == "before training" and recorded.frame_names()[1] == "after epoch 1"


def test_recording_changes_nothing_in_the_training(trained, small):
    plain = lc.train_model(small, epochs=3, threads=1, record_map=False, **TINY)
    assert plain.training_map is None
    for name, value in plain.network.state_dict().items():
        torch.testing.assert_close(value, trained.network.state_dict()[name], rtol=0, atol=0)


def test_a_cancelled_run_ends_with_the_weights_it_keeps(small):
    calls = []

    def stop() -> bool:
        calls.append(1)
        return len(calls) > 4  # within the second epoch (3 steps an epoch)

    model = lc.train_model(small, epochs=5, threads=1, should_stop=stop, **TINY)
    recorded = model.training_map
    assert model.config["stopped_early"] and recorded.final
    assert recorded.epochs.tolist()[:2] == [0, 1]
    assert recorded.epochs[-1] == (model.config["best_epoch"] or -1)
    np.testing.assert_allclose(recorded.codes[-1], model.encode(small.images), atol=1e-5)


def test_the_map_is_saved_and_loaded_with_the_checkpoint(trained, tmp_path):
    folder = trained.save(tmp_path / "run")
    assert (folder / MAP_FILE).is_file()
    again = trained.save(tmp_path / "again")  # the same model, the same bytes (the library keeps runs by content)
    assert (again / MAP_FILE).read_bytes() == (folder / MAP_FILE).read_bytes()
    loaded = lc.load_model(folder)
    np.testing.assert_array_equal(loaded.training_map.epochs, trained.training_map.epochs)
    np.testing.assert_array_equal(loaded.training_map.indices, trained.training_map.indices)
    np.testing.assert_allclose(loaded.training_map.codes, trained.training_map.codes, rtol=1e-3, atol=1e-3)
    assert loaded.training_map.final == trained.training_map.final
    loaded.training_map = None
    loaded.save(folder)  # a model without a map removes the old map: it described other weights
    assert not (folder / MAP_FILE).exists()


def test_a_damaged_map_file_loads_the_model_without_a_map(trained, tmp_path):
    folder = trained.save(tmp_path / "run")
    (folder / MAP_FILE).write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all")
    assert lc.load_model(folder).training_map is None
    (folder / MAP_FILE).write_bytes(b"\x80\x04\x95pickled")  # a pickle is never read
    assert lc.load_model(folder).training_map is None


def test_a_training_map_refuses_mismatched_arrays():
    with pytest.raises(lc.InvalidInputError, match="do not match"):
        TrainingMap(np.arange(4), np.array([0, 1]), np.zeros((2, 5, 3)))
    with pytest.raises(lc.InvalidInputError, match="NaN"):
        TrainingMap(np.arange(2), np.array([0]), np.full((1, 2, 3), np.nan))


def test_the_replay_gif_has_one_picture_per_frame():
    frames = procrustes_align(pca_frames(drifting_frames(frames=4, n=50)))
    gif = lc.replay_gif(frames, labels=np.arange(50) % 3, names=[f"frame {i}" for i in range(4)], size=120)
    picture = Image.open(io.BytesIO(gif))
    assert picture.format == "GIF" and picture.n_frames == 4
    assert picture.size == (120, 138)
    first = np.asarray(picture.convert("RGB"))
    picture.seek(3)
    assert not np.array_equal(first, np.asarray(picture.convert("RGB")))  # the points moved
    with pytest.raises(lc.InvalidInputError, match="one per point"):
        lc.replay_gif(frames, labels=np.zeros(3))
    with pytest.raises(lc.InvalidInputError, match="frames, points, 2"):
        lc.replay_gif(np.zeros((4, 50)))
