"""The encoder and decoder (latent_core/models/nets.py): shapes for every supported size, every block style
(plain and residual convolutions, mlp), coordinate channels, and old configs (no 'blocks' key) that must keep
building today's plain networks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from latent_core import InvalidInputError, LatentModel
from latent_core.checkpoint.loading import load_checkpoint
from latent_core.datasets.shapes import make_shapes
from latent_core.models import build_network
from latent_core.models.nets import BLOCKS, CONV_BLOCKS, Architecture, Decoder, Encoder

DATA = Path(__file__).parent / "data"
OLD_KEYS = {"height", "width", "channels", "latent_dim", "base_channels", "max_channels", "hidden"}


def tiny(size: int | tuple[int, int], channels: int = 1, **kw) -> Architecture:
    h, w = (size, size) if isinstance(size, int) else size
    return Architecture(h, w, channels, 3, base_channels=4, max_channels=16, hidden=8, **kw)


def n_params(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize("blocks", BLOCKS)
@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("size", [8, 28, 32, 33, 64, 128, (28, 33)])
def test_output_shapes_for_every_size(size, channels, blocks):
    arch = tiny(size, channels, blocks=blocks)
    x = torch.rand(2, channels, arch.height, arch.width)
    mean, logvar = Encoder(arch)(x)
    assert mean.shape == logvar.shape == (2, 3)
    assert Decoder(arch)(mean).shape == (2, channels, arch.height, arch.width)


@pytest.mark.parametrize("blocks", CONV_BLOCKS)
@pytest.mark.parametrize("size", [8, 33])
def test_coordinate_channels_keep_shapes_and_add_inputs(size, blocks):
    arch = tiny(size, 3, blocks=blocks, coords=True)
    plain_first_conv = Encoder(tiny(size, 3, blocks=blocks)).features[0]
    first_conv = Encoder(arch).features[1]
    assert (first_conv.in_channels, plain_first_conv.in_channels) == (5, 3)
    mean, _ = Encoder(arch)(torch.rand(2, 3, size, size))
    assert Decoder(arch)(mean).shape == (2, 3, size, size)


def test_coordinate_maps_run_from_minus_one_to_one_across_the_image():
    arch = tiny(8, 1, coords=True)
    maps = Encoder(arch).features[0](torch.zeros(2, 1, 8, 10))
    assert maps.shape == (2, 3, 8, 10)
    xs, ys = maps[0, 1], maps[0, 2]
    assert torch.allclose(xs[3], torch.linspace(-1, 1, 10)) and torch.allclose(ys[:, 4], torch.linspace(-1, 1, 8))
    assert torch.equal(xs, xs[0].expand(8, 10)) and torch.equal(maps[:, 0], torch.zeros(2, 8, 10))


def test_residual_blocks_add_two_3x3_convs_per_stage_to_each_network():
    arch = Architecture(64, 64, 1, 16)
    plain = Architecture.from_dict({**arch.to_dict(), "blocks": "plain"})
    per_block = sum(2 * (9 * c * c + c) for c in arch.stage_channels())
    assert arch.stage_channels() == [32, 64, 128, 256]
    assert n_params(Encoder(arch)) - n_params(Encoder(plain)) == per_block
    assert n_params(Decoder(arch)) - n_params(Decoder(plain)) == per_block
    assert 5e6 < n_params(Encoder(arch)) + n_params(Decoder(arch)) < 8e6  # 6.6 M at 64x64: a CPU-sized network


def test_new_architectures_round_trip_through_their_dict():
    for arch in (tiny(28), tiny(28, blocks="plain"), tiny(33, 3, coords=True)):
        assert Architecture.from_dict(json.loads(json.dumps(arch.to_dict()))) == arch
    assert Architecture(28, 28, 1, 8).blocks == "residual"  # new networks are residual


def test_a_config_from_before_blocks_builds_the_plain_network():
    old = {"height": 28, "width": 28, "channels": 1, "latent_dim": 8, "base_channels": 32, "max_channels": 256}
    arch = Architecture.from_dict({**old, "hidden": 256})
    assert (arch.blocks, arch.coords) == ("plain", False)
    keys = [k for k in build_network({"kind": "vae", "architecture": arch.to_dict()}).state_dict()]
    assert keys == [
        "decoder.project.0.weight",
        "decoder.project.0.bias",
        "decoder.project.2.weight",
        "decoder.project.2.bias",
        "decoder.upsample.0.weight",
        "decoder.upsample.0.bias",
        "decoder.upsample.2.weight",
        "decoder.upsample.2.bias",
        "encoder.features.0.weight",
        "encoder.features.0.bias",
        "encoder.features.2.weight",
        "encoder.features.2.bias",
        "encoder.hidden.0.weight",
        "encoder.hidden.0.bias",
        "encoder.head.weight",
        "encoder.head.bias",
    ]


def test_unknown_block_style_is_refused():
    with pytest.raises(ValueError, match="blocks"):
        tiny(8, blocks="dense")
    with pytest.raises(ValueError, match="coords"):
        tiny(8, coords="yes")
    with pytest.raises(ValueError, match="coords"):
        tiny(8, blocks="mlp", coords=True)


def test_a_checkpoint_with_an_unknown_block_style_is_refused_in_words(tmp_path):
    folder = shutil.copytree(DATA / "old_plain_vae", tmp_path / "bad")
    config = json.loads((folder / "config.json").read_text())
    config["architecture"]["blocks"] = "dense"
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(InvalidInputError, match="architecture"):
        load_checkpoint(folder)


def test_an_old_checkpoint_loads_strictly_and_decodes_as_before():
    """old_plain_vae was saved, and its decodes recorded, by the code before residual blocks (plain_decodes.json)."""
    assert set(json.loads((DATA / "old_plain_vae" / "config.json").read_text())["architecture"]) == OLD_KEYS
    reference = np.load(DATA / "plain_decodes.npz", allow_pickle=False)
    model = load_checkpoint(DATA / "old_plain_vae")
    logits = model.decode_logits(reference["old_plain_vae_codes"]).numpy()
    np.testing.assert_allclose(logits, reference["old_plain_vae_logits"], rtol=0, atol=1e-5)
    np.testing.assert_allclose(
        model.encode(reference["old_plain_vae_images"]), reference["old_plain_vae_means"], rtol=0, atol=1e-5
    )


@pytest.mark.parametrize("coords", [False, True])
def test_a_residual_vae_trains_a_few_steps_with_a_finite_falling_loss(coords):
    torch.manual_seed(0)
    arch = Architecture(16, 16, 1, 4, base_channels=8, hidden=32, coords=coords)
    model = LatentModel.build({"kind": "vae", "name": "r", "architecture": arch.to_dict()})
    network, noise = model.network, torch.Generator().manual_seed(0)
    x = torch.from_numpy(make_shapes(n=32, size=16).images).permute(0, 3, 1, 2).float() / 255
    optimizer = torch.optim.Adam(network.parameters(), lr=3e-3)
    losses = []
    for _ in range(15):
        loss = network.loss_terms(x, noise)["loss"]
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert all(np.isfinite(losses)) and losses[-1] < 0.8 * losses[0]
