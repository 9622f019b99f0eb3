"""The figures of an Evaluation as the Model page shows them: each named for what it is, with a help text that says
how it is computed, a sentence for the reconstruction error and the active dimensions, the KL of each latent
dimension as a bar chart, and the disentanglement scores and the shapes readout for data with known factors.

The words and charts are plain functions of an Evaluation (tested without a page); `show` draws them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from latent_core import Evaluation, LatentModel
from latent_core.evaluation.likelihood import ACTIVE_KL_NATS
from latent_core.evaluation.result import COLLAPSE_SPREAD

from .messages import LABEL_LIMIT, MESSAGE_LIMIT, plain

SPLITS = {  # which images, and what they are to the model
    "validation": ("held-out validation images", " (the share of its training data it never trained on)"),
    "training": ("training images", " (it held none out)"),
    "all": ("images", " (not the data it was trained on)"),
}
ACTIVE_COLOUR, INACTIVE_COLOUR = "#4f46e5", "#9ca3af"


@dataclass(frozen=True)
class Figure:
    """One figure as a metric shows it: its name, its value in words, and how it is computed."""

    label: str
    value: str
    help: str


def dim_name(index: int) -> str:
    """A latent dimension's name as the Traverse page's sliders call it: z1 for index 0."""
    return f"z{index + 1}"


def listing(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def where(e: Evaluation) -> str:
    """Which images the figures are measured on, in words."""
    images, note = SPLITS.get(e.split, ("images", ""))
    binarized = ", pixels binarised at 0.5" if e.binarized else ""
    pixel = f" under the model's {e.likelihood.replace('_', ' ')} pixel likelihood" if e.likelihood else ""
    return (
        f"Measured by `latent_core.evaluate` on {e.n_images:,} {images} of "
        f"'{plain(e.dataset_name, LABEL_LIMIT)}'{note}{binarized}, in {e.seconds:.1f} s. Nats are per image{pixel}."
    )


def density_figures(e: Evaluation) -> list[Figure]:
    """−ELBO and its parts, the IWAE bound and its effective sample size; empty for a model without a density."""
    if e.elbo_nats is None:
        return []
    pixel = (e.likelihood or "bernoulli").replace("_", " ")
    figures = [
        Figure(
            "−ELBO",
            f"{-e.elbo_nats:.2f} ± {e.elbo_se:.2f} nats",
            "Negative evidence lower bound per image: the reconstruction part plus the KL part, with one z drawn "
            "from q(z|x) per image (an unbiased one-sample estimate), averaged over the images, ± its standard "
            "error over images. An upper bound on −log p(x); lower is better.",
        ),
        Figure(
            "Reconstruction part of −ELBO",
            f"{e.elbo_recon_nats:.2f} nats",
            f"−log p(x|z) under the {pixel} pixel likelihood, summed over pixels, for the z drawn from q(z|x): "
            "how many nats the decoder needs to describe the image given its code.",
        ),
        Figure(
            "KL part of −ELBO",
            f"{e.elbo_kl_nats:.2f} nats",
            "KL(q(z|x) ‖ N(0, I)), exact for each image and summed over the latent dimensions: how much information "
            "the code carries about the image. The sum of the bars of the chart below.",
        ),
    ]
    if e.iwae_nll_nats is not None:
        figures += [
            Figure(
                f"NLL, IWAE bound (k={e.k})",
                f"{e.iwae_nll_nats:.2f} ± {e.iwae_se:.2f} nats",
                f"Importance-sampled negative log-likelihood (Burda et al. 2015): −log of the mean of "
                f"p(x|z)·p(z)/q(z|x) over k={e.k} draws of z from q(z|x), averaged over the images, ± its standard "
                "error over images. An upper bound on −log p(x), tighter than −ELBO; for grey images under a "
                "Bernoulli likelihood it is a cross-entropy rather than a normalised density.",
            ),
            Figure(
                "Effective sample size",
                f"{e.iwae_ess:.1f} of {e.k}",
                "(Σw)² / Σw² of the k importance weights w = p(x|z)·p(z)/q(z|x) of each image, averaged over the "
                "images: near k when q(z|x) is a good proposal, near 1 when it is a poor one (then the IWAE bound "
                "is loose).",
            ),
        ]
    return figures


def closer_text(e: Evaluation) -> str:
    """The reconstruction error against the mean-image baseline, as a ratio in words."""
    numbers = f"(per-pixel MSE {e.recon_mse:.4f} against {e.mean_image_mse:.4f})"
    if e.mean_image_mse <= 0:
        return f"Every image is the same, so the average image reconstructs them exactly {numbers}."
    if e.recon_mse <= 0:
        return f"Reconstructions are exact {numbers}."
    ratio = e.mean_image_mse / e.recon_mse
    if ratio >= 1:
        return f"Reconstructions are {ratio:.1f}× closer to their images than the average image is {numbers}."
    return (
        f"Reconstructions are further from their images than the average image is: {1 / ratio:.1f}× its error "
        f"{numbers}."
    )


def reconstruction_figures(e: Evaluation) -> list[Figure]:
    """Reconstruction MSE against the mean image's, and the reconstructions' spread across images."""
    figures = [
        Figure(
            "Reconstruction MSE",
            f"{e.recon_mse:.4f}",
            "Mean squared error per pixel, on the [0, 1] scale, between each image and the decoding of its "
            "posterior mean code, averaged over pixels and images.",
        ),
        Figure(
            "Mean image's MSE",
            f"{e.mean_image_mse:.4f}",
            "The same error when every image is 'reconstructed' as the average image of these images: the "
            "baseline a model must beat.",
        ),
    ]
    if e.recon_spread_ratio is not None:
        figures.append(
            Figure(
                "Spread of reconstructions",
                f"{e.recon_spread_ratio:.0%} of the data's",
                "Root mean per-pixel variance of the reconstructions across images, over the same for the images: "
                f"near 0 when every image is reconstructed alike (below {COLLAPSE_SPREAD:.0%} counts as collapse).",
            )
        )
    return figures


def active_text(e: Evaluation) -> str | None:
    """'6 of 8 dimensions carry information …', naming the ones that carry none; None without a density."""
    if e.kl_per_dim is None:
        return None
    text = f"{e.active_units} of {len(e.kl_per_dim)} dimensions carry information (KL above {ACTIVE_KL_NATS:g} nats)"
    inactive = [dim_name(i) for i in e.inactive_dims]
    if not inactive:
        return text + "."
    one = len(inactive) == 1
    return (
        text + f"; {listing(inactive)} {'carries' if one else 'carry'} none: moving along {'it' if one else 'them'} "
        "changes nothing."
    )


def active_figure(e: Evaluation) -> Figure | None:
    if e.kl_per_dim is None:
        return None
    return Figure(
        "Active dimensions",
        f"{e.active_units} of {len(e.kl_per_dim)}",
        f"Latent dimensions whose KL(q(z_i|x) ‖ N(0, 1)), averaged over the images, is above {ACTIVE_KL_NATS:g} "
        "nats. An inactive dimension's code is the prior whatever the image, so the decoder ignores it.",
    )


def kl_chart(kl_per_dim: list[float]) -> go.Figure:
    """KL per latent dimension (nats per image) as bars, active ones coloured, with the 0.01-nat threshold line."""
    names = [dim_name(i) for i in range(len(kl_per_dim))]
    values = [max(float(v), 0.0) for v in kl_per_dim]
    colours = [ACTIVE_COLOUR if v > ACTIVE_KL_NATS else INACTIVE_COLOUR for v in values]
    fig = go.Figure(go.Bar(x=names, y=values, marker_color=colours, name="KL per dimension"))
    fig.add_hline(
        y=ACTIVE_KL_NATS,
        line={"color": "#dc2626", "dash": "dash"},
        annotation_text=f"{ACTIVE_KL_NATS:g} nats: active above",
        annotation_position="top left",
    )
    positive = [v for v in values if v > 0]
    log = bool(positive) and max(positive) / min(min(positive), ACTIVE_KL_NATS) > 100
    fig.update_layout(
        height=240,
        margin={"l": 40, "r": 10, "t": 10, "b": 36},
        xaxis_title="latent dimension",
        yaxis_title="KL (nats / image)",
        yaxis_type="log" if log else "linear",
        showlegend=False,
    )
    return fig


def factor_figures(e: Evaluation) -> list[Figure]:
    """MIG, DCI and SAP against the dataset's known factors; empty when it has none."""
    if e.mig is None:
        return []
    factors = listing(list(e.factor_names or [])) if e.factor_names else "the known factors"
    return [
        Figure(
            "MIG",
            f"{e.mig:.3f}",
            f"Mutual information gap (Chen et al. 2018): for each factor ({factors}), the gap between the two latent "
            "dimensions that share most mutual information with it (each dimension in 20 equal-width bins), over "
            "the factor's entropy, averaged over factors. 1: each factor lives in one dimension alone.",
        ),
        Figure(
            "DCI disentanglement",
            f"{e.dci_disentanglement:.3f}",
            "Eastwood & Williams 2018: one gradient-boosted tree classifier per factor predicts it from the codes "
            "(on 2/3 of the images); 1 minus the entropy of each dimension's feature importances over the factors, "
            "weighted by the dimension's share of all importance. 1: each dimension serves one factor.",
        ),
        Figure(
            "DCI completeness",
            f"{e.dci_completeness:.3f}",
            "1 minus the entropy of each factor's importances over the dimensions, averaged over factors. 1: each "
            "factor is captured by one dimension.",
        ),
        Figure(
            "DCI informativeness",
            f"{e.dci_informativeness:.3f}",
            "Mean accuracy of those classifiers on the other third of the images (continuous factors in 20 bins): "
            "how much of the factors the codes hold at all.",
        ),
        Figure(
            "SAP",
            f"{e.sap:.3f}",
            "Separated attribute predictability (Kumar et al. 2018): for each factor, the gap between the two "
            "dimensions that predict it best on their own (a discrete factor: held-out accuracy of a linear SVM on "
            "the one dimension; a continuous one: squared correlation), averaged over factors.",
        ),
    ]


def readout_table(readout: dict) -> pd.DataFrame:
    """Per shape: the share of reconstructions read as that shape, and the median and mean rotation errors."""
    rows = {}
    for shape, share in (readout.get("identified") or {}).items():
        errors = (readout.get("rotation_error_deg") or {}).get(shape) or {}
        rows[shape] = {
            "read as itself": "–" if share is None else f"{share:.1%}",
            "median rotation error (°)": "–" if errors.get("median") is None else f"{errors['median']:.1f}",
            "mean rotation error (°)": "–" if errors.get("mean") is None else f"{errors['mean']:.1f}",
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def metrics_row(figures: list[Figure], per_row: int = 4) -> None:
    for start in range(0, len(figures), per_row):
        cells = st.columns(per_row)
        for cell, f in zip(cells, figures[start : start + per_row], strict=False):
            cell.metric(f.label, f.value, help=f.help)


def show(e: Evaluation, model: LatentModel) -> None:
    """Draw the figures of `e` (an evaluation of `model`): warnings first, then density, reconstruction, latent
    dimensions and, for data with known factors, disentanglement and the shapes readout."""
    st.caption(where(e))
    for text in e.warnings():
        st.warning(text, icon=":material/warning:")
    if e.density_note:
        st.info(f"{e.density_note} The figures that apply to it are its reconstructions.")
    metrics_row(density_figures(e))
    active = active_figure(e)
    metrics_row(reconstruction_figures(e) + ([active] if active else []))
    st.markdown(closer_text(e))
    if e.kl_per_dim is not None:
        st.markdown(active_text(e))
        st.plotly_chart(kl_chart(e.kl_per_dim), key="evaluation_kl_chart", config={"displayModeBar": False})
    factors = factor_figures(e)
    if factors:
        st.markdown(f"**Disentanglement** against the known factors: {listing(list(e.factor_names or []))}.")
        metrics_row(factors, per_row=5)
    for note in e.factor_notes:
        st.caption(plain(note, MESSAGE_LIMIT))
    if e.readout:
        r = e.readout
        st.markdown(
            f"**Shapes read from {r['n_images']:,} reconstructions** by template matching: the centre is off by "
            f"{r['position_error_px']:.2f} px and the scale by {r['scale_error']:.1%} (medians)."
        )
        st.dataframe(readout_table(r), key="evaluation_readout")
