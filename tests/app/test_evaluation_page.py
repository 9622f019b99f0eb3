"""The Model page's 'How good is this model' (AppTest): the figures of a stored evaluation, the warnings in words,
an autoencoder's figures, data with known factors, and the evaluation measured in the background with Cancel."""

from __future__ import annotations

import json

import pytest

import latent_core
from latent_core import Evaluation
from tests.app.app_workspace import app, texts
from tests.app.downloads import capture_downloads
from tests.app.silenced import silenced
from tests.waiting import until
from ui import evaluation, evaluation_figures, jobs, runs, state, workspaces


@pytest.fixture(autouse=True)
def no_jobs_left():
    """Each test's page also scores its images in the background: end those jobs, so that the next test's jobs do
    not wait behind them (AppTest sessions never end, so the reaper never cancels them)."""
    yield
    for job in jobs.runner.jobs():
        job.cancel()


def crafted(dataset: latent_core.ImageDataset, **changes) -> dict:
    """An evaluation of a 4-D VAE on `dataset` with known figures, as metrics.json holds it."""
    figures = {
        "model_name": "tested",
        "dataset_name": dataset.name,
        "dataset_fingerprint": dataset.fingerprint,
        "split": "validation",
        "n_images": 180,
        "binarized": False,
        "seed": 0,
        "k": 100,
        "seconds": 1.5,
        "recon_mse": 0.0217,
        "mean_image_mse": 0.0733,
        "recon_spread_ratio": 0.75,
        "elbo_nats": -24.42,
        "elbo_se": 0.26,
        "elbo_recon_nats": 20.80,
        "elbo_kl_nats": 3.62,
        "iwae_nll_nats": 23.67,
        "iwae_se": 0.19,
        "iwae_ess": 52.7,
        "likelihood": "bernoulli",
        "kl_per_dim": [0.9, 0.004, 1.5, 1.216],
        "active_units": 3,
    }
    return Evaluation.from_dict(figures | changes).to_dict()


def model_page_with(model: latent_core.LatentModel, metrics: dict | None = None, name: str = "tested"):
    """The Model page of a new workspace whose active model is `model`, kept as a run (with `metrics`, if given)."""
    at = app()
    ws = at.session_state["workspace"]
    library = workspaces.library()
    record = library.save_model(ws.token, model, name)
    if metrics is not None:
        library.set_metrics(ws.token, record.key, metrics)
    state.sync_library(ws)
    assert state.select_model(ws, record.key), ws.messages
    at.switch_page("pages/model.py").run()
    assert not at.exception, texts(at.exception)
    return at, ws, record


def shown(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def chart(at, key: str) -> dict:
    return json.loads(next(c for c in at.get("plotly_chart") if c.proto.id.endswith(key)).proto.spec)


def test_the_figures_of_a_stored_evaluation_are_shown_with_how_each_is_computed(monkeypatch, digits, tiny_model):
    downloads = capture_downloads(monkeypatch)
    metrics = crafted(digits)
    at, ws, record = model_page_with(tiny_model, metrics)
    assert "How good is this model" in texts(at.subheader)
    figures = shown(at)
    assert figures["−ELBO"] == "24.42 ± 0.26 nats"
    assert figures["Reconstruction part of −ELBO"] == "20.80 nats" and figures["KL part of −ELBO"] == "3.62 nats"
    assert figures["NLL, IWAE bound (k=100)"] == "23.67 ± 0.19 nats"
    assert figures["Effective sample size"] == "52.7 of 100"
    assert figures["Reconstruction MSE"] == "0.0217" and figures["Mean image's MSE"] == "0.0733"
    assert figures["Spread of reconstructions"] == "75% of the data's"
    assert figures["Active dimensions"] == "3 of 4"
    helps = {m.label: m.proto.help for m in at.metric}
    new = [label for label in figures if label not in ("Kind", "Latent dimensions", "β", "Epochs trained")]
    assert len(new) == 9 and all(len(helps[label]) > 60 for label in new)  # each says how it is computed
    assert "one z drawn from q(z|x) per image" in helps["−ELBO"] and "k=100 draws" in helps["NLL, IWAE bound (k=100)"]
    words = texts(at.markdown)
    assert "Reconstructions are 3.4× closer to their images than the average image is" in " ".join(words)
    assert any(w.startswith("3 of 4 dimensions carry information") and "z2 carries none" in w for w in words)
    assert any("on 180 held-out validation images of 'digits'" in c for c in texts(at.caption))
    bars = chart(at, "evaluation_kl_chart")
    assert bars["data"][0]["x"] == ["z1", "z2", "z3", "z4"] and bars["data"][0]["y"] == [0.9, 0.004, 1.5, 1.216]
    assert [shape["y0"] for shape in bars["layout"]["shapes"]] == [0.01]  # the activity threshold
    assert not texts(at.warning)
    assert jobs.runner.find(evaluation.job_key(ws.model_fp, ws.dataset_fp)) is None  # nothing measured again
    assert json.loads(downloads["run-1-tested-metrics.json"]()) == metrics
    table = next(d.value for d in at.dataframe if "Validation objective" in d.value.columns)
    assert table.loc[record.key, "−ELBO (nats)"] == pytest.approx(24.42)
    assert table.loc[record.key, "Active dimensions"] == 3
    assert table.loc[record.key, "MSE ÷ mean image's"] == pytest.approx(0.0217 / 0.0733)


def test_the_collapse_warning_appears_for_a_degenerate_model_and_not_for_a_good_one(digits, tiny_model):
    good = latent_core.load_model("digits")  # the shipped model: distinct reconstructions, most dimensions active
    degenerate = silenced(tiny_model, list(range(tiny_model.latent_dim)))  # the decoder ignores the code
    for model, collapsed in ((degenerate, True), (good, False)):
        measured = latent_core.evaluate(model, digits, k=4)
        at, *_ = model_page_with(model, measured.to_dict())
        warnings = texts(at.warning)
        assert any("Reconstructions barely differ between images" in w for w in warnings) == collapsed
        assert any("carry no information" in w and "free bits" in w for w in warnings) == collapsed
        assert any("KL warm-up or free bits, or a larger latent size" in w for w in warnings) == collapsed
        if collapsed:
            assert shown(at)["Spread of reconstructions"] == "0% of the data's"
            assert shown(at)["Active dimensions"] == f"0 of {model.latent_dim}"


def test_an_autoencoder_shows_what_applies_and_says_why_the_density_figures_are_absent(digits):
    ae = latent_core.train_model(digits, kind="ae", latent_dim=3, epochs=1, hidden=32, base_channels=8)
    at, *_ = model_page_with(ae, latent_core.evaluate(ae, digits, k=4).to_dict())
    assert any("An autoencoder has no prior or posterior, so it has no ELBO or likelihood" in i for i in texts(at.info))
    figures = shown(at)
    assert {"Reconstruction MSE", "Mean image's MSE", "Spread of reconstructions"} <= set(figures)
    assert not {"−ELBO", "Effective sample size", "Active dimensions", "β"} & set(figures)
    assert not [c for c in at.get("plotly_chart") if c.proto.id.endswith("evaluation_kl_chart")]


def test_data_with_known_factors_shows_disentanglement_and_the_shapes_readout(digits, tiny_model):
    readout = {
        "n_images": 1000,
        "identified": {"square": 0.0, "circle": 1.0, "triangle": 0.962},
        "confusion": [[0, 323, 0], [0, 332, 0], [6, 0, 339]],
        "rotation_error_deg": {"square": {"median": 23.3, "mean": 22.9}, "triangle": {"median": 4.26, "mean": 5.0}},
        "position_error_px": 0.124,
        "scale_error": 0.0088,
    }
    metrics = crafted(
        digits,
        factor_names=["shape", "scale", "x", "y"],
        factor_notes=["Factor 'rotation': rotation is left out."],
        mig=0.0665,
        dci_disentanglement=0.0624,
        dci_completeness=0.083,
        dci_informativeness=0.379,
        sap=0.097,
        readout=readout,
    )
    at, *_ = model_page_with(tiny_model, metrics)
    figures = shown(at)
    assert (figures["MIG"], figures["SAP"]) == ("0.067", "0.097")
    assert (figures["DCI disentanglement"], figures["DCI completeness"], figures["DCI informativeness"]) == (
        "0.062",
        "0.083",
        "0.379",
    )
    words = " ".join(texts(at.markdown))
    assert "against the known factors: shape, scale, x and y" in words
    assert "Shapes read from 1,000 reconstructions" in words and "0.12 px" in words and "0.9%" in words
    assert "Factor 'rotation': rotation is left out." in texts(at.caption)
    table = next(d.value for d in at.dataframe if "read as itself" in d.value.columns)
    assert table["read as itself"].to_dict() == {"square": "0.0%", "circle": "100.0%", "triangle": "96.2%"}
    assert (
        table.loc["triangle", "median rotation error (°)"] == "4.3"
        and table.loc["circle", "mean rotation error (°)"] == "–"
    )


def test_a_model_without_figures_is_evaluated_in_a_worker_and_they_are_kept_with_its_run(digits):
    model = latent_core.train_model(digits, latent_dim=2, epochs=1, hidden=16, base_channels=4, seed=3)
    at, ws, record = model_page_with(model)
    assert any("Measuring the model on up to 1,000 held-out images of 'digits'" in c for c in texts(at.caption))
    job = jobs.runner.find(evaluation.job_key(ws.model_fp, ws.dataset_fp))
    assert job is not None and job.join(120) and job.status == jobs.FINISHED
    at.run()
    assert not at.exception, texts(at.exception)
    expected = latent_core.evaluate(model, digits)  # the same seeded figures, measured here
    assert shown(at)["−ELBO"] == f"{-expected.elbo_nats:.2f} ± {expected.elbo_se:.2f} nats"
    kept = workspaces.library().model(ws.token, record.key).metrics
    assert kept["dataset_fingerprint"] == digits.fingerprint and kept["iwae_nll_nats"] == pytest.approx(
        expected.iwae_nll_nats
    )


def test_cancel_stops_the_evaluation_until_asked_again(monkeypatch, digits, tiny_model):
    def waiting(model, dataset, job):
        job.report(0.25, "Evaluating · 25% · Measuring the likelihood of 180 images")
        assert until(job.should_stop), "the test never cancelled the evaluation"
        raise latent_core.EvaluationCancelled("cancelled")

    monkeypatch.setattr(evaluation, "compute", waiting)
    at, ws, _ = model_page_with(silenced(tiny_model, [0]))
    key = evaluation.job_key(ws.model_fp, ws.dataset_fp)
    job = jobs.runner.find(key)
    assert until(lambda: job.progress.fraction == 0.25)
    at.run()
    bar = at.get("progress")[-1]
    assert "Measuring the likelihood of 180 images" in bar.proto.text
    at.button(key="cancel_evaluation").click().run()
    assert job.join(10) and job.status == jobs.CANCELLED and jobs.runner.find(key) is None
    at.run()
    assert not at.exception, texts(at.exception)
    assert any(c.startswith("Evaluation cancelled") for c in texts(at.caption))
    assert jobs.runner.find(key) is None  # a rerun does not start it again
    at.button(key="start_evaluation").click().run()
    again = jobs.runner.find(key)
    assert again is not None and again is not job and again.running
    again.cancel()
    assert again.join(10)


def test_figure_words():
    e = Evaluation.from_dict(
        {
            "model_name": "m",
            "dataset_name": "d",
            "dataset_fingerprint": "f",
            "split": "all",
            "n_images": 10,
            "binarized": True,
            "seed": 0,
            "k": None,
            "seconds": 0.5,
            "recon_mse": 0.08,
            "mean_image_mse": 0.04,
            "recon_spread_ratio": 0.05,
            "kl_per_dim": [0.5, 0.2],
            "active_units": 2,
        }
    )
    assert evaluation_figures.closer_text(e).startswith("Reconstructions are further from their images than the")
    assert "2.0× its error" in evaluation_figures.closer_text(e)
    assert evaluation_figures.active_text(e) == "2 of 2 dimensions carry information (KL above 0.01 nats)."
    assert "pixels binarised at 0.5" in evaluation_figures.where(e) and "not the data it was trained on" in (
        evaluation_figures.where(e)
    )
    assert runs.quality({"recon_mse": 0.08, "mean_image_mse": 0.04, "dataset_fingerprint": "f"}) == {
        "Reconstruction MSE": 0.08,
        "MSE ÷ mean image's": 2.0,
    }
    old = runs.loss_figure([("", [{"epoch": 1, "train_loss": 2.0, "val_loss": 1.0}])])  # validated at the mean
    assert [t.name for t in old.data] == ["training objective", "validation objective at the posterior mean"]
