"""Model page: choose or upload the active model, train a new one in the background, see what it reconstructs."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import streamlit as st

import latent_core
from latent_core.checkpoint.card import kept_record
from latent_core.fields import config_fields
from latent_core.models import REGISTRY
from ui import catalog, evaluation, forms, gan_views, images, jobs, resources, runs, state, training, upload_widgets
from ui.choices import choice_box
from ui.messages import LABEL_LIMIT, MESSAGE_LIMIT, plain

SAMPLES = 10
KIND_LABELS = {name: kind.label for name, kind in REGISTRY.items()}
UNUSUAL = 10
SCORING_POLL_S = 0.5

ws = state.workspace()
st.title("Model")
st.caption("The encoder places each image in the latent space; the decoder turns any point back into an image.")
state.show_messages(ws)

if ws.is_embeddings:
    st.info(
        plain(state.needs_model(ws, "Training"), MESSAGE_LIMIT) + " To use a model, choose or upload images on the "
        "Data page; checkpoints uploaded here are listed for that."
    )
    st.page_link("pages/data.py", label="Go to the Data page", icon=":material/photo_library:")
    upload_widgets.model_uploader(ws)
    runs.section(ws)
    st.stop()


def model_picker() -> None:
    options = catalog.model_options(ws.saved_models)
    shapes = {o.key: state.model_shape(o) for o in options}

    def describe(key: str) -> str:
        option = catalog.find(options, key)
        shape = shapes[key]
        fits = "" if shape == ws.image_shape else " — other image size"
        return f"{option.label} · {state.shape_text(shape) if shape else 'unreadable'}{fits}"

    keys = [o.key for o in options]
    if not keys:
        st.info("No models yet: train one below.")
        return
    choice_box(
        st,
        "Active model",
        keys,
        ws.model_key,  # none shown: no active model
        name="model_choice",
        on_choose=lambda key: state.select_model(ws, key),
        format_func=describe,
        placeholder="(none)",
        help="Shipped models, the models trained or uploaded in this session, "
        "and a checkpoint given by LATENT_EXPLORER_MODEL. "
        f"Only models for {state.shape_text(ws.dataset.image_shape)} images fit the active dataset.",
    )


def model_summary(model: latent_core.LatentModel) -> None:
    kind = REGISTRY.get(model.kind)
    has_beta = training.applies(model.kind, "beta") if kind else False
    cells = iter(st.columns(4 if has_beta else 3))
    next(cells).metric(
        "Kind",
        kind.label if kind else model.kind.upper(),
        help=kind.summary if kind else "Loaded from TorchScript files.",
    )
    next(cells).metric("Latent dimensions", model.latent_dim)
    if has_beta:
        next(cells).metric("β", f"{model.config.get('beta', 1.0):g}", help="Weight of the KL term in its training.")
    next(cells).metric("Epochs trained", len(model.history))
    if gan_views.is_gan(model):
        gan_views.model_summary(model)
    elif model.history:
        record = kept_record(model.config)
        words = training.objective_words(model.kind, float(model.config.get("tc_weight", 0.0)))
        text = f"Weights of epoch {record.get('epoch', len(model.history))}"
        text += " (its best validation objective)" if model.config.get("best_epoch") is not None else ""
        if "train_loss" in record:
            text += f": training objective {record['train_loss']:.2f}"
            text += f", validation objective {record['val_loss']:.2f}" if "val_loss" in record else ""
            text += f" nats per image ({words})"
        st.caption(text + ".")
        st.plotly_chart(
            runs.loss_figure([("", model.history)], objective=words),
            key="history_chart",
            config={"displayModeBar": False},
        )


def kind_picker() -> str:
    """The model kind, chosen outside the form so that the form shows the settings that apply to it."""
    field = next(f for f in config_fields(latent_core.TrainConfig) if f.name == "kind")
    return forms.widget(field, field.default, "train_kind", KIND_LABELS, st)


def train_form() -> None:
    busy = ws.job is not None and ws.job.running
    shape, n = ws.dataset.image_shape, len(ws.dataset)
    with st.container(key="train_box", border=True):
        dataset = plain(ws.dataset_label, LABEL_LIMIT)
        st.markdown(f"**Train a new model** on *{dataset}* ({n:,} images, {state.shape_text(shape)})")
        kind = kind_picker()
        defaults = replace(latent_core.TrainConfig.suggested(shape), kind=kind).resolved(shape, n)
        st.caption(
            f"Suggested length: {defaults.describe_steps(n)}. A step is one optimisation step on a batch of "
            f"{defaults.batch_size} images; an epoch is {defaults.steps_per_epoch(n):,} steps here. Left empty, "
            "Epochs is chosen for about as many steps at any batch size."
        )
        with st.form("train_form", border=False, enter_to_submit=False):  # only the button starts training
            settings = forms.config_form(
                latent_core.TrainConfig, defaults, "train_", labels={"kind": KIND_LABELS}, kind=kind, exclude=("kind",)
            )
            submitted = st.form_submit_button(
                "Start training", type="primary", disabled=busy, icon=":material/play_arrow:"
            )
    if submitted:
        training.start(ws, {"kind": kind, **settings})
        st.rerun()


def reconstructions(model: latent_core.LatentModel) -> None:
    st.subheader("Reconstructions")
    st.caption("Top: dataset images. Bottom: the same images encoded and decoded by the active model.")
    index = np.linspace(0, len(ws.dataset) - 1, SAMPLES).astype(int)
    originals = ws.dataset.images[index]
    images.show_strip(np.concatenate([originals, model.reconstruct(originals)]), rows=2, height=72)


def scoring_progress() -> None:
    """Shown while the scores are computed in the background (jobs.poll reruns the page once they are ready)."""
    st.caption(f"Scoring {len(ws.dataset):,} images…")


def unusual(model: latent_core.LatentModel) -> None:
    st.subheader("Most unusual images")
    st.caption(
        "The images the model explains worst (highest anomaly score, in nats: a VAE's negative ELBO, an "
        "autoencoder's reconstruction error): mislabelled, odd or rare examples."
    )
    job = resources.anomaly_scoring(ws.model_fp, ws.dataset_fp, model, ws.dataset)
    if job.running:
        jobs.poll(scoring_progress, job, every=SCORING_POLL_S)
        return
    scores = job.result()
    if scores is None:
        st.error(job.error)
        job.forget()
        return
    top = np.argsort(scores)[::-1][:UNUSUAL]
    captions = [f"#{i} {ws.dataset.label_text(i)} · {scores[i]:.1f}".replace("  ", " ") for i in top]
    images.show_row(ws.dataset.images[top], captions, side=84)


left, right = st.columns([3, 2], gap="large")
with left:
    model_picker()
    upload_widgets.model_uploader(ws)
    if ws.model is None:
        st.warning(
            "No active model: none of the models takes the dataset's "
            f"{state.shape_text(ws.dataset.image_shape)} images. Train one here."
        )
    else:
        model_summary(ws.model)
with right:
    train_form()
    training.live_panel(ws)

if ws.model is not None:
    evaluation.section(ws)
runs.section(ws)
if ws.model is not None:
    reconstructions(ws.model)
    unusual(ws.model)
