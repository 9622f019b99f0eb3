"""How faithful the map is, shown under it: trustworthiness, continuity and kNN recall of the map's neighbourhoods,
and the inverse mapping's held-out error (latent_core's Projection.quality).

The figures sort 2,000 x 2,000 distances and refit the inverse, hundreds of milliseconds, so they are measured when
asked (a button under the map), in a worker process as a background job, once per map (its content key), and
shown when they are ready; a map measured before shows them at once.
"""

from __future__ import annotations

import streamlit as st

from . import jobs
from .jobs import FAILED, Job
from .messages import MESSAGE_LIMIT, plain

SAMPLE = 2000  # points the neighbourhood figures are measured on


def measured(projection, job) -> dict:
    """The figures, in a worker process (`job` is its progress proxy there)."""
    job.report(0.1, "measuring neighbourhoods")
    return projection.quality(max_points=SAMPLE)


def measure(projection, job: Job) -> dict:
    return jobs.runner.pool().call(measured, (projection.without_estimator(),), job, what="measuring the map")


def figures_text(figures: dict) -> str:
    return (
        f"Trustworthiness@{figures['n_neighbors']} {figures['trustworthiness']:.3f} · "
        f"continuity@{figures['n_neighbors']} {figures['continuity']:.3f} · "
        f"kNN recall@{figures['n_neighbors']} {figures['knn_recall']:.3f} · "
        f"inverse error {figures['inverse_error']:.1%} (relative, on {figures['holdout_size']:,} held-out points)"
    )


HELP = (
    "Trustworthiness: 1 when no neighbour on the map is a stranger in the latent space. Continuity: 1 when no "
    "latent neighbour is torn away on the map. kNN recall: the share of each point's 10 nearest codes that are among "
    "its 10 nearest on the map. Inverse error: how far the codes decoded from held-out points' map positions are "
    "from their true codes (relative L2). Neighbourhoods are measured on a sample of 2,000 points."
)


def section(projection, view_key: str) -> None:
    """A button that measures the map's quality figures in the background, then the figures in a caption.

    On demand, not for every map drawn: the figures take a worker for a while, which trainings, projections and the
    hover preview's atlas also wait for."""
    key = ("quality", view_key)
    job = jobs.runner.find(key)
    if job is None:
        if not st.button("How faithful is this map?", key=f"quality_{view_key}", icon=":material/insights:", help=HELP):
            return
        job = jobs.runner.submit(
            "projection", key, lambda job: measure(projection, job), failure="Measuring the map failed"
        )
    # A fragment of its own that shows the figures once they are measured, without rerunning the page (jobs.poll's
    # full rerun when a job ends could take the place of a click made at that moment).
    st.fragment(show, run_every=jobs.POLL_S * 2 if job.running else None)(job)


def show(job: Job) -> None:
    if job.running:
        st.caption("Measuring how faithful this map is…")
    elif job.status == FAILED:
        st.caption(f"No quality figures: {plain(job.error, MESSAGE_LIMIT)}")
    elif job.result() is not None:
        st.caption(figures_text(job.result()), help=HELP)
