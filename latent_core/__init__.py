"""latent_core: train, load, project and decode latent-variable image models. No streamlit here."""

from .analogy import Analogy, analogy, class_mean
from .analysis import anomaly_scores, grid_points, manifold_grid
from .atlas import Atlas, decode_atlas
from .checkpoint.discovery import shipped_models
from .checkpoint.loading import load_model
from .dataset import ImageDataset
from .datasets import (
    EmbeddingSet,
    LoadReport,
    builtin_names,
    file_holds,
    load_dataset,
    load_dataset_with_report,
    load_embeddings,
    load_embeddings_with_report,
)
from .errors import InvalidInputError
from .evaluation import Evaluation, EvaluationCancelled, evaluate
from .evaluation.sample_quality import sample_quality
from .inversion import invert
from .library import DatasetRecord, Library, MapRecord, ModelRecord
from .limits import Limits
from .model import LatentModel
from .models import KINDS
from .projection import METHODS, Projection, ProjectionCache, ProjectionCancelled, ProjectionConfig, fit_projection
from .replay import TrainingMap, replay_gif
from .round_trip import RoundTrip, round_trip
from .settings import Settings
from .training import TrainConfig, TrainingProgress, train_model
from .traversal import DIRECTION_KINDS, directions, interpolate, interpolate_path, nearest, traverse
from .uploads import save_upload

__all__ = [
    "Atlas",
    "Analogy",
    "DIRECTION_KINDS",
    "DatasetRecord",
    "KINDS",
    "METHODS",
    "EmbeddingSet",
    "Evaluation",
    "EvaluationCancelled",
    "ImageDataset",
    "InvalidInputError",
    "LatentModel",
    "Library",
    "Limits",
    "LoadReport",
    "MapRecord",
    "ModelRecord",
    "Projection",
    "ProjectionCache",
    "ProjectionCancelled",
    "ProjectionConfig",
    "RoundTrip",
    "Settings",
    "TrainConfig",
    "TrainingMap",
    "TrainingProgress",
    "analogy",
    "anomaly_scores",
    "builtin_names",
    "decode_atlas",
    "class_mean",
    "directions",
    "evaluate",
    "file_holds",
    "fit_projection",
    "grid_points",
    "interpolate",
    "invert",
    "interpolate_path",
    "load_dataset",
    "load_dataset_with_report",
    "load_embeddings",
    "load_embeddings_with_report",
    "load_model",
    "manifold_grid",
    "nearest",
    "replay_gif",
    "round_trip",
    "sample_quality",
    "save_upload",
    "shipped_models",
    "traverse",
    "train_model",
]
