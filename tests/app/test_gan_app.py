"""GANs in the app (AppTest): the form's fields for a GAN, a tiny GAN trained from the form with its sample grid and
both losses, the Model page's summary, the Map's cloud of sampled codes, SeFa and GANSpace on the Traverse page, and
the Compare page's figures of a VAE and a GAN."""

from __future__ import annotations

import numpy as np
import pytest

import latent_core
from latent_core.evaluation.sample_quality import fit_classifier
from tests.app.app_workspace import app, map_payload, texts
from tests.app.test_train_form import end_background_jobs, widget_for, widgets_with_key
from ui import gan_views, jobs, map_events, projections, state, training, views, workers, workspaces
from ui.catalog import Option
from ui.gan_work import SampledCloud, draw_codes
from ui.jobs import FINISHED


@pytest.fixture(autouse=True)
def no_jobs_left():
    yield
    end_background_jobs()


@pytest.fixture(scope="module")
def tiny_gan(digits) -> latent_core.LatentModel:
    """A 4-D GAN on digits: 26 generator steps and 50 inversion steps, a few seconds."""
    return latent_core.train_model(digits, kind="gan", latent_dim=4, epochs=1, batch_size=64, seed=0, base_channels=8)


def with_model(at, model: latent_core.LatentModel, folder, key: str):
    """Save `model` as an option of the AppTest's workspace and make it active."""
    ws = at.session_state["workspace"]
    model.save(folder / key)
    ws.saved_models[key] = Option(key, f"{key} (test)", str(folder / key))
    assert state.select_model(ws, key), ws.messages
    return ws


def captions_of_images(at) -> list[str]:
    return [img.caption for element in at.image for img in element.proto.imgs]


def test_the_form_hides_beta_for_a_gan_and_discriminator_steps_for_a_vae():
    at = app()
    at.switch_page("pages/model.py").run()
    at.radio(key="train_kind").set_value("gan").run()
    assert not at.exception, texts(at.exception)
    assert not widgets_with_key(at, "train_beta") and not widgets_with_key(at, "train_free_bits")
    assert widget_for(at, "train_n_dis").value == 1
    assert not widgets_with_key(at, "train_likelihood") and not widgets_with_key(at, "train_hidden")
    at.radio(key="train_kind").set_value("vae").run()
    assert widget_for(at, "train_beta").value == 1.0 and not widgets_with_key(at, "train_n_dis")


def test_progress_words_name_both_losses_and_the_inversion_phase(digits):
    seen = []
    latent_core.train_model(
        digits,
        kind="gan",
        latent_dim=2,
        epochs=1,
        batch_size=256,
        base_channels=4,
        on_progress=lambda p: seen.append(p),
    )
    texts_seen = [workers.progress_text(p) for p in seen]
    assert any("D loss" in t and "G loss" in t for t in texts_seen)
    assert "Training the inversion encoder" in texts_seen[-1]
    assert seen[-1].samples.shape == (16, 8, 8, 1) and seen[-1].samples.dtype == np.uint8


@pytest.mark.slow  # a training in a worker process: 10-20 s on the busy 2-core machine
def test_a_tiny_gan_trains_from_the_form_with_its_sample_grid_and_both_losses():
    at = app()
    at.switch_page("pages/model.py").run()
    end_background_jobs()
    at.radio(key="train_kind").set_value("gan").run()
    widget_for(at, "train_epochs").set_value(2)
    widget_for(at, "train_latent_dim").set_value(4)
    widget_for(at, "train_base_channels").set_value(8)
    next(b for b in at.get("form_submit_button") if b.label == "Start training").click().run()
    assert not at.exception, texts(at.exception)
    ws = at.session_state["workspace"]
    job = ws.job
    assert job.join(180) and job.status == FINISHED, job.error
    reported = training.curve(job)
    assert reported.progress.samples.shape == (16, 8, 8, 1)  # the payload from the worker carries the grid
    assert len(reported.gan_points) >= 2 and all(np.isfinite(d) and np.isfinite(g) for _, d, g in reported.gan_points)
    at.run()  # adopts the model; the panel still shows the ended training
    assert not at.exception, texts(at.exception)
    assert ws.model.kind == "gan" and ws.model.can_encode
    assert any(c.startswith("Samples from a fixed z after 52 steps") for c in captions_of_images(at))
    assert any("Samples from the prior" in c for c in captions_of_images(at))  # the Model page's summary
    names = {trace["name"] for chart in at.get("plotly_chart") for trace in chart_traces(chart)}
    assert {"discriminator loss", "generator loss"} <= names
    record = workspaces.library().model(ws.token, ws.model_key)
    assert record.name.startswith("GAN 4-D, 1 discriminator step per generator step")
    card = (record.path / "README.md").read_text()
    assert "\nA GAN (generative adversarial network" in card and "beta" not in card and "class coverage" in card


def chart_traces(chart) -> list[dict]:
    import json

    return json.loads(chart.proto.spec)["data"]


def made_cloud(ws, n: int = 300) -> SampledCloud:
    """A cloud of n sampled codes labelled by the digits classifier, kept by the runner under the key the Map's
    cloud job uses (so the page takes it without a worker process)."""
    codes = draw_codes(ws.model.latent_dim, n, 0)
    images = ws.model.decode(codes)
    labels = fit_classifier(ws.dataset).predict(images)[0].argmax(axis=1)
    names = [f"{name} (classified)" for name in ws.dataset.label_names]
    cloud = SampledCloud(images, labels, names, name="cloud", codes=codes)
    job = jobs.runner.submit("evaluation", gan_views.cloud_key(ws.model_fp, ws.dataset_fp), lambda job: cloud)
    assert job.join(30) and job.status == FINISHED
    return cloud


def test_the_map_of_a_gan_shows_its_dataset_or_a_cloud_of_sampled_codes(tmp_path, tiny_gan):
    at = app()
    ws = with_model(at, tiny_gan, tmp_path, "tiny-gan")
    assert ws.path_mode == "slerp"  # the default path for a Gaussian prior
    at.run()
    assert not at.exception, texts(at.exception)
    assert map_payload(at)["n"] == len(ws.dataset)  # the dataset, placed by the inversion encoder
    cloud = made_cloud(ws)
    at.segmented_control(key=gan_views.POINTS_KEY).set_value("samples").run()
    assert not at.exception, texts(at.exception)
    payload = map_payload(at)
    assert payload["n"] == len(cloud.codes)
    assert payload["colour"]["kind"] == "categorical" and payload["colour"]["names"][0].endswith("(classified)")
    cloud_ws = at.session_state[gan_views.CLOUD_KEY]["ws"]
    np.testing.assert_array_equal(cloud_ws.codes(), cloud.codes)  # the map projects the codes themselves
    assert "anomaly" not in at.selectbox(key="map_colour").options


def test_a_click_on_the_cloud_decodes_its_code_and_becomes_the_traversal_base(tmp_path, tiny_gan):
    at = app()
    ws = with_model(at, tiny_gan, tmp_path, "tiny-gan")
    cloud = made_cloud(ws)
    at.run()
    at.segmented_control(key=gan_views.POINTS_KEY).set_value("samples").run()
    cloud_ws = at.session_state[gan_views.CLOUD_KEY]["ws"]
    projection = projections.project(cloud_ws.codes(), "pca", 2)
    map_events.handle(cloud_ws, {"kind": "point", "index": 7, "x": 0.0, "y": 0.0}, projection)
    np.testing.assert_allclose(cloud_ws.decoded.code, cloud.codes[7])
    np.testing.assert_array_equal(cloud_ws.decoded.images[0][0], cloud.images[7])
    map_events.handle(cloud_ws, {"kind": "space", "x": 0.0, "y": 0.0}, projection)  # empty space decodes too
    assert cloud_ws.decoded.images[0][1] == "decoded"
    map_events.handle(cloud_ws, {"kind": "point", "index": 7, "x": 0.0, "y": 0.0}, projection)
    at.run()
    assert not at.exception, texts(at.exception)
    assert any(m.value.startswith("**Image #7") for m in at.markdown)  # the panel shows the clicked sample
    np.testing.assert_allclose(ws.base.code, cloud.codes[7])  # the Traverse page starts from it
    assert views.writer.flush(ws.token)
    assert workspaces.library().view(ws.token).get("selection") == []  # the cloud's picks are not the view's


@pytest.mark.parametrize("kind", ["sefa", "ganspace"])
@pytest.mark.parametrize("model_kind", ["gan", "vae"])
def test_sefa_and_ganspace_directions_move_the_image_for_a_gan_and_a_vae(
    tmp_path, tiny_gan, tiny_model, kind, model_kind
):
    at = app()
    with_model(at, tiny_gan if model_kind == "gan" else tiny_model, tmp_path, f"tiny-{model_kind}")
    at.switch_page("pages/traverse.py").run()
    at.radio(key="trav_kind").set_value(kind).run()
    assert not at.exception, texts(at.exception)
    assert at.slider, "no direction sliders"
    before = [img.url for element in at.image for img in element.proto.imgs]
    at.slider(key=at.slider[0].key).set_value(2.5).run()
    after = [img.url for element in at.image for img in element.proto.imgs]
    assert after[0] != before[0]


@pytest.mark.slow  # sample quality and the VAE's evaluation run in worker processes
def test_the_compare_page_shows_both_models_figures_samples_and_paths(tmp_path, tiny_gan, tiny_model):
    at = app()
    ws = with_model(at, tiny_model, tmp_path, "tiny-vae")
    with_model(at, tiny_gan, tmp_path, "tiny-gan")
    at.switch_page("pages/compare.py").run()
    assert not at.exception, texts(at.exception)
    assert at.selectbox(key="compare_gan").value == "tiny-gan"  # the active model, a GAN
    at.selectbox(key="compare_vae").set_value("tiny-vae").run()
    for model, kind in ((tiny_model, "vae"), (tiny_gan, "gan")):
        fp = state.find_option(ws, f"tiny-{kind}", models=True)
        job = gan_views.figures_job(state.resources.model_for(fp)[1], ws.dataset_fp, model, ws.dataset, kind == "vae")
        assert job.join(180) and job.status == FINISHED, job.error
    at.run()
    assert not at.exception, texts(at.exception)
    tables = [str(t.value) for t in at.table]
    assert len(tables) == 2 and all("Fréchet distance" in t for t in tables)
    assert "ELBO" in tables[0] and "inversion MSE" in tables[1]
    captions = captions_of_images(at)
    assert captions.count("VAE") == 2 and captions.count("GAN") == 2  # prior samples and the interpolation


class Reports:
    """A job proxy for work called directly: keeps the reports."""

    def __init__(self):
        self.seen = []

    def report(self, fraction, message="", payload=None):
        self.seen.append((fraction, message))

    def should_stop(self):
        return False


def test_the_cloud_work_decodes_seeded_codes_and_labels_them_with_the_dataset_classifier(tmp_path, digits, tiny_gan):
    from ui import gan_work

    folder = tiny_gan.save(tmp_path / "gan")
    job = Reports()
    cloud = gan_work.sampled_cloud(str(folder), digits, 60, 0, job)
    np.testing.assert_array_equal(cloud.codes, gan_work.draw_codes(tiny_gan.latent_dim, 60, 0))
    np.testing.assert_array_equal(cloud.images, tiny_gan.decode(cloud.codes.copy()))
    probs, _ = fit_classifier(digits).predict(cloud.images)
    np.testing.assert_array_equal(cloud.labels, probs.argmax(axis=1))
    assert cloud.label_names[3] == "3 (classified)" and job.seen[-1][0] == 1.0
