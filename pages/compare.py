"""Compare page: a VAE and a GAN trained on the same data side by side: quality figures, samples from the prior
(the same seeded codes), and the same interpolation between two dataset images decoded by both."""

from __future__ import annotations

import numpy as np
import streamlit as st

import latent_core
from latent_core.traversal import interpolate
from ui import catalog, gan_views, images, jobs, linked_maps, resources, state
from ui.messages import MESSAGE_LIMIT, plain

KINDS = {"vae": "VAE", "gan": "GAN"}
PATH_STEPS = 8
SAMPLES = 16

ws = state.workspace()
st.title("Compare")
st.caption(
    "Two runs' maps of the same images side by side, with linked selection; then a VAE and a GAN trained on the "
    "same data: how good their samples are, what they draw from the same codes of the prior N(0, I), and how each "
    "decodes the same path between two images."
)
state.show_messages(ws)
if ws.is_embeddings:
    st.info(plain(state.needs_model(ws, "Comparing models"), MESSAGE_LIMIT))
    st.stop()
linked_maps.section(ws)  # any two runs' maps, side by side and linked
st.divider()
st.subheader("A VAE and a GAN")


def candidates(kind: str) -> list[catalog.Option]:
    """The models of `kind` that take the active dataset's images, those trained on it first."""
    fitting = []
    for option in catalog.model_options(ws.saved_models):
        try:
            model, _ = resources.model_for(option)
        except latent_core.InvalidInputError:
            continue
        if model.kind == kind and model.image_shape == ws.image_shape:
            fitting.append((model.config.get("dataset", {}).get("fingerprint") != ws.dataset_fp, option))
    return [option for _, option in sorted(fitting, key=lambda pair: pair[0])]


def pick(kind: str, column) -> tuple[latent_core.LatentModel, str] | None:
    """A model of `kind` chosen in `column` (the active model when it is one), with its fingerprint."""
    options = {o.key: o for o in candidates(kind)}
    if not options:
        column.info(f"No {KINDS[kind]} takes these images yet: train one on the Model page (Kind: {KINDS[kind]}).")
        return None
    keys = list(options)
    index = keys.index(ws.model_key) if ws.model_key in keys else 0
    key = column.selectbox(
        KINDS[kind], keys, index=index, key=f"compare_{kind}", format_func=lambda k: options[k].label
    )
    return resources.model_for(options[key])


def figures(kind: str, model: latent_core.LatentModel, model_fp: str) -> None:
    """The model's quality figures, measured in the background (a VAE's with lc.evaluate's too)."""
    job = gan_views.figures_job(model_fp, ws.dataset_fp, model, ws.dataset, evaluate=kind == "vae")
    job.join(0.2)
    if job.running:
        jobs.poll(gan_views.job_progress, job, job, "Measuring")
        return
    result = job.result()
    if result is None:
        st.error(job.error or "Measuring the model failed.")
        job.forget()
        return
    rows = {}
    quality = result["quality"]
    if quality is not None:
        rows |= {
            "Fréchet distance": f"{quality['frechet_distance']:.2f}",
            "class coverage": f"{quality['class_coverage']:.0%}",
            "largest class's share": f"{quality['largest_class_share']:.1%} ({quality['largest_class']})",
            "median confidence": f"{quality['median_confidence']:.3f}",
        }
    evaluation = result["evaluation"]
    if evaluation is not None:
        if evaluation.get("iwae_nll_nats") is not None:
            rows["−log p(x), IWAE bound (nats)"] = f"{evaluation['iwae_nll_nats']:.2f}"
            rows["ELBO (nats)"] = f"{evaluation['elbo_nats']:.2f}"
        rows["reconstruction MSE"] = f"{evaluation['recon_mse']:.4f}"
    inversion = (model.config.get("inversion") or {}).get("val_mse_encoder")
    if inversion is not None:
        rows["inversion MSE (held out)"] = f"{inversion:.4f}"
    with st.container(key=f"compare_figures_{kind}"):
        st.table({"figure": list(rows), "value": list(rows.values())})
        if quality is not None:
            st.caption(
                f"On {quality['samples']:,} samples, by a classifier trained on the dataset "
                f"({quality['classifier_accuracy']:.1%} accurate on images it did not see)."
            )


picked = {}
columns = st.columns(2, gap="large")
for kind, column in zip(KINDS, columns, strict=True):
    picked[kind] = pick(kind, column)
if not all(picked.values()):
    st.stop()

st.subheader("Quality")
columns = st.columns(2, gap="large")
for kind, column in zip(KINDS, columns, strict=True):
    with column:
        figures(kind, *picked[kind])

st.subheader("Samples from the prior")
dims = {model.latent_dim for model, _ in picked.values()}
st.caption(
    "The same codes from N(0, I) (seed 0) decoded by both."
    if len(dims) == 1
    else "Codes from N(0, I) with the same seed; the models' latent sizes differ, so the codes do too."
)
columns = st.columns(2, gap="large")
for kind, column in zip(KINDS, columns, strict=True):
    with column, st.container(key=f"compare_samples_{kind}"):
        images.show_strip(gan_views.prior_samples(picked[kind][0], SAMPLES), rows=2, height=48, caption=KINDS[kind])

st.subheader("The same interpolation")
n = len(ws.dataset)
cells = st.columns(2)
start = int(cells[0].number_input("From image", 0, n - 1, 0, key="compare_from"))
end = int(cells[1].number_input("To image", 0, n - 1, n // 2, key="compare_to"))
ends = ws.dataset.images[[start, end]]
st.caption(
    f"Images #{start} and #{end}, each encoded by the model (the GAN by its inversion encoder), then the spherical "
    f"path (slerp) between the two codes in {PATH_STEPS} steps, decoded."
)
columns = st.columns(2, gap="large")
for kind, column in zip(KINDS, columns, strict=True):
    model = picked[kind][0]
    codes = model.encode(ends)
    path = interpolate(codes[0], codes[1], PATH_STEPS, "slerp")
    with column, st.container(key=f"compare_path_{kind}"):
        images.show_strip(np.concatenate([ends[:1], model.decode(path), ends[1:]]), height=48, caption=KINDS[kind])
