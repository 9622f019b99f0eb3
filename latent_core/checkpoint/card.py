"""The model card: a short README.md saved beside a checkpoint's weights.

Each figure is named as what it is: the training objective (reconstruction + β·KL) is not the ELBO,
and a reconstruction at the posterior mean plus KL is not a bound on -log p(x). The Evaluation table
comes from metrics.json (latent_core.evaluate), read here as a plain dict.
"""

from __future__ import annotations

from dataclasses import fields

# Histories written since validation draws z from q(z|x) (seeded) record the KL warm-up's weight per epoch; older
# ones measured validation at the posterior mean.
SAMPLED_VALIDATION_KEY = "kl_weight"


def model_card(config: dict, metrics: dict | None = None) -> str:
    """A short Markdown card from a checkpoint's config: the data, the settings, the losses of the epoch whose
    weights it holds and, when given, the figures of an evaluation (Evaluation.to_dict()). A GAN's card is
    `gan_card`'s."""
    if config.get("kind") == "gan":
        return gan_card(config, metrics)
    arch, data, train = config["architecture"], config.get("dataset", {}), config.get("training", {})
    history = config.get("history") or []
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
        f"- Epochs trained: {len(history)}" + (" (stopped early)" if config.get("stopped_early") else ""),
        *loss_lines(config),
    ]
    if metrics:
        lines += ["", *metrics_lines(metrics)]
    lines += ["", "Made with Latent Explorer's own training code (`latent_core.train_model`)."]
    return "\n".join(lines) + "\n"


def gan_card(config: dict, metrics: dict | None = None) -> str:
    """A GAN's card: the data, only the settings a GAN uses, its losses and sample-quality figures at the last
    epoch, the inversion encoder's held-out error and, when given, the evaluation's reconstruction figures."""
    from ..gan_training import QUALITY_SAMPLES  # here: training imports the checkpoint format, which imports this
    from ..training_config import TrainConfig

    arch, data, train = config["architecture"], config.get("dataset", {}), config.get("training", {})
    history = config.get("history") or []
    names = {f.name for f in fields(TrainConfig)}
    used = {k: v for k, v in train.items() if k in names and k != "kind" and TrainConfig(kind="gan").applies(k)}
    inversion = config.get("inversion") or {}
    lines = [
        f"# {config.get('name', 'gan')}",
        "",
        (
            f"A GAN (generative adversarial network: a generator from N(0, I) and an inversion encoder) with a "
            f"{arch['latent_dim']}-dimensional latent space for {arch['height']}x{arch['width']} images with "
            f"{arch['channels']} channel(s)."
        ),
        "",
        f"- Data: '{data.get('name', '?')}', {data.get('size', '?')} images, "
        f"fingerprint {data.get('fingerprint', '?')}",
        "- Settings: " + ", ".join(f"{k}={v}" for k, v in used.items()),
        f"- Epochs trained: {len(history)}" + (" (stopped early)" if config.get("stopped_early") else ""),
    ]
    record = kept_record(config)
    if "train_d_loss" in record:
        lines.append(
            f"- Hinge losses at epoch {record.get('epoch', len(history))}: discriminator "
            f"{record['train_d_loss']:.3f}, generator {number(record.get('train_g_loss'))} (training means)"
        )
    quality = next((r for r in reversed(history) if r.get("fd") is not None), None)
    rows = []
    if quality is not None:
        rows += [
            ("Fréchet distance (the dataset classifier's features)", number(quality["fd"], ".2f")),
            ("class coverage", f"{quality['class_coverage']:.0%}"),
            ("largest class's share", f"{quality['largest_class_share']:.1%}"),
            ("median classifier confidence", number(quality["median_confidence"], ".3f")),
        ]
    if inversion.get("val_mse_encoder") is not None:
        rows.append(
            ("inversion error, held-out images (pixel MSE, encoder only)", f"{inversion['val_mse_encoder']:.4f}")
        )
    if rows:
        where = f" on {QUALITY_SAMPLES} samples at epoch {quality['epoch']}" if quality is not None else ""
        lines += ["", "## Figures", "", f"Sample quality{where} (`latent_core.sample_quality`).", ""]
        lines += ["| figure | value |", "|---|---|", *(f"| {name} | {value} |" for name, value in rows)]
    warnings = config.get("warnings") or []
    lines += ["", *(f"- Warning: {text}" for text in warnings)] if warnings else []
    if metrics:
        lines += ["", *metrics_lines(metrics)]
    lines += ["", "Made with Latent Explorer's own training code (`latent_core.train_model`, kind 'gan')."]
    return "\n".join(lines) + "\n"


def kept_record(config: dict) -> dict:
    """The history record of the epoch whose weights the checkpoint holds ('best_epoch'), else the last one."""
    history = config.get("history") or []
    best = config.get("best_epoch")
    return next((r for r in history if r.get("epoch") == best), history[-1] if history else {})


def loss_lines(config: dict) -> list[str]:
    """The kept epoch's losses, each named as what it is, in nats per image."""
    record = kept_record(config)
    if "train_loss" not in record:
        return []
    vae, sampled = config["kind"] == "vae", SAMPLED_VALIDATION_KEY in record
    epoch = record.get("epoch", len(config.get("history") or []))
    objective = "reconstruction + β·KL" if vae else "reconstruction"
    objective += " + tc_weight·TC" if vae and config.get("tc_weight") else ""  # β-TCVAE's total-correlation term
    text = f"- Training objective ({objective}) at epoch {epoch}: {record['train_loss']:.3f} on the training images"
    if "val_loss" in record and (sampled or not vae):
        text += f", {record['val_loss']:.3f} on the validation images"
    lines = [text + " (nats per image)"]
    if vae and "val_recon" in record and "val_kl" in record:
        recon, kl = record["val_recon"], record["val_kl"]
        if sampled:
            lines.append(
                f"- Validation −ELBO (1 sample per image): {recon + kl:.3f} nats per image "
                f"(reconstruction {recon:.3f} + KL {kl:.3f})"
            )
        else:
            lines.append(
                f"- Validation reconstruction at the posterior mean plus KL: {recon + kl:.3f} nats per image "
                f"({recon:.3f} + {kl:.3f}); this is not the ELBO and not a bound on −log p(x)"
            )
    return lines


def number(value, spec: str = ".3f") -> str:
    return "–" if value is None else format(value, spec)


def metrics_lines(m: dict) -> list[str]:
    """The Evaluation section: where it was measured, a table of its figures, and its warnings."""
    split = {"validation": " held-out validation", "training": " training"}.get(m.get("split"), "")
    binarized = ", binarised at 0.5" if m.get("binarized") else ""
    likelihood = f" under the {m['likelihood'].replace('_', ' ')} pixel likelihood" if m.get("likelihood") else ""
    lines = [
        "## Evaluation",
        "",
        f"On {number(m.get('n_images'), ',')}{split} images of '{m.get('dataset_name')}'{binarized}, "
        f"in {number(m.get('seconds'), '.0f')} s (`latent_core.evaluate`); nats per image{likelihood}.",
        "",
        "| figure | value |",
        "|---|---|",
    ]
    rows = []
    if m.get("iwae_nll_nats") is not None:
        rows += [
            (
                f"−log p(x), IWAE bound (k={m.get('k')})",
                f"{number(m['iwae_nll_nats'], '.2f')} ± {number(m.get('iwae_se'), '.2f')}",
            ),
            ("ELBO (1 sample per image)", f"{number(m.get('elbo_nats'), '.2f')} ± {number(m.get('elbo_se'), '.2f')}"),
            (
                "ELBO parts: reconstruction, KL",
                f"{number(m.get('elbo_recon_nats'), '.2f')}, {number(m.get('elbo_kl_nats'), '.2f')}",
            ),
            ("importance sampling: effective samples", f"{number(m.get('iwae_ess'), '.1f')} of {m.get('k')}"),
        ]
    elif m.get("density_note"):
        rows.append(("likelihood", m["density_note"]))
    kl = m.get("kl_per_dim")
    if kl is not None:
        inactive = [str(i) for i, value in enumerate(kl) if not (value or 0) > 0.01]
        rows.append(
            (
                "active latent dimensions (KL > 0.01 nats)",
                f"{m.get('active_units')} of {len(kl)}" + (f" (inactive: {', '.join(inactive)})" if inactive else ""),
            )
        )
    rows += [
        (
            "reconstruction MSE per pixel (mean image's)",
            f"{number(m.get('recon_mse'), '.4f')} ({number(m.get('mean_image_mse'), '.4f')})",
        ),
        ("reconstructions' spread / the data's", number(m.get("recon_spread_ratio"), ".2f")),
    ]
    if m.get("mig") is not None:
        factors = ", ".join(m.get("factor_names") or [])
        rows += [
            (f"MIG, SAP ({factors})", f"{number(m['mig'])}, {number(m.get('sap'))}"),
            (
                "DCI disentanglement, completeness, informativeness",
                ", ".join(
                    number(m.get(f"dci_{part}")) for part in ("disentanglement", "completeness", "informativeness")
                ),
            ),
        ]
    rows += readout_rows(m.get("readout"))
    lines += [f"| {name} | {value} |" for name, value in rows]
    warnings = m.get("warnings") or []
    return lines + ([""] + [f"- Warning: {text}" for text in warnings] if warnings else [])


def readout_rows(readout: dict | None) -> list[tuple[str, str]]:
    """Table rows of a shapes readout (readout.ShapeReadout.to_dict())."""
    if not readout:
        return []
    identified = ", ".join(
        f"{name} {number(share * 100 if share is not None else None, '.1f')}%"
        for name, share in readout["identified"].items()
    )
    rotation = ", ".join(
        f"{name} {number(errors.get('median'), '.1f')}°" for name, errors in readout["rotation_error_deg"].items()
    )
    return [
        ("reconstructions read as their true shape", identified),
        ("rotation error of reconstructions (median, modulo symmetry)", rotation),
    ]
