"""The model card: a short README.md saved beside a checkpoint's weights."""

from __future__ import annotations


def model_card(config: dict) -> str:
    """A short Markdown card from a checkpoint's config: the data, the settings and the final losses."""
    arch, data, train = config["architecture"], config.get("dataset", {}), config.get("training", {})
    last = config.get("history", [{}])[-1] if config.get("history") else {}
    lines = [
        f"# {config.get('name', config['kind'])}",
        "",
        (
            f"A {config['kind'].upper()} (beta={config.get('beta', 1.0):g}) with a {arch['latent_dim']}-dimensional "
            f"latent space for {arch['height']}x{arch['width']} images with {arch['channels']} channel(s)."
        ),
        "",
        (
            f"- Data: '{data.get('name', '?')}', {data.get('size', '?')} images, "
            f"fingerprint {data.get('fingerprint', '?')}"
        ),
        "- Settings: " + ", ".join(f"{k}={v}" for k, v in train.items()),
        f"- Epochs trained: {len(config.get('history', []))}"
        + (" (stopped early)" if config.get("stopped_early") else ""),
    ]
    if last:
        loss = {key: last.get(key, float("nan")) for key in ("train_loss", "val_loss", "val_recon", "val_kl")}
        lines.append(
            f"- Final train loss: {loss['train_loss']:.3f}; validation loss: {loss['val_loss']:.3f} "
            f"(reconstruction {loss['val_recon']:.3f}, KL {loss['val_kl']:.3f}) nats per image"
        )
    lines += ["", "Made with Latent Explorer's own training code (`latent_core.train_model`)."]
    return "\n".join(lines) + "\n"
