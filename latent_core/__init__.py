"""latent_core: train, load, project and decode latent-variable image models. No streamlit here."""
from .checkpoint.discovery import shipped_models
from .checkpoint.loading import load_model
from .dataset import ImageDataset
from .datasets import (
    EmbeddingSet, LoadReport, builtin_names, file_holds, load_dataset, load_dataset_with_report, load_embeddings,
    load_embeddings_with_report,
)
from .errors import InvalidInputError
from .limits import Limits
from .model import LatentModel
from .training import TrainConfig, TrainingProgress, train_model
from .settings import Settings
from .uploads import save_upload
from .analysis import anomaly_scores, grid_points, manifold_grid
from .projection import Projection, ProjectionCache, ProjectionCancelled, fit_projection
from .traversal import directions, interpolate, interpolate_path, nearest, traverse

__all__ = [
    "EmbeddingSet", "ImageDataset", "InvalidInputError", "LatentModel", "Limits", "LoadReport", "Settings", "TrainConfig",
    "TrainingProgress", "builtin_names", "file_holds", "load_dataset", "load_dataset_with_report", "load_embeddings",
    "load_embeddings_with_report", "load_model", "save_upload", "shipped_models", "train_model",
]
__all__ += [
    "Projection", "ProjectionCache", "ProjectionCancelled", "anomaly_scores", "directions", "fit_projection", "grid_points",
    "interpolate", "interpolate_path", "manifold_grid", "nearest", "traverse",
]
