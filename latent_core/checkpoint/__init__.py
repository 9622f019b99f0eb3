"""Checkpoints: a folder (or a .zip of one) with config.json and model.safetensors. Loading never unpickles.

TorchScript (config.json + decoder.pt, optionally encoder.pt) is executable code, so it is
loaded only when the server opted in: LATENT_ALLOW_TORCHSCRIPT=1, or allow_torchscript=True.

One module per concern; this file imports none of them, because latent_core/model.py imports
format.py while loading.py imports model.py:

- format.py: the safetensors format, written by `write_checkpoint` and read back (no LatentModel here).
- card.py: the Markdown model card written beside the weights.
- pickles.py: recognising pickles, torch.save archives and TorchScript by their bytes.
- torchscript.py: the opt-in TorchScript loader.
- discovery.py: the files of a checkpoint folder or zip, and the shipped checkpoints.
- loading.py: `load_model` and `load_checkpoint`, which build LatentModels (LatentModel.save writes through format.py).
"""
