"""latent_core: train, load, project and decode latent-variable image models. No streamlit here."""
from .checkpoint import load_model, shipped_models
from .dataset import ImageDataset
from .datasets import EmbeddingSet, LoadReport, builtin_names, load_dataset, load_dataset_with_report, load_embeddings
from .errors import InvalidInputError
from .limits import Limits
from .model import LatentModel
from .training import TrainConfig, TrainingProgress, train_model
from .uploads import SessionFolder, save_upload
from .analysis import anomaly_scores, grid_points, manifold_grid
from .projection import Projection, ProjectionCache, ProjectionCancelled, fit_projection
from .traversal import directions, interpolate, interpolate_path, nearest, traverse

__all__ = [
    "EmbeddingSet", "ImageDataset", "InvalidInputError", "LatentModel", "Limits", "LoadReport", "SessionFolder", "TrainConfig",
    "TrainingProgress", "builtin_names", "load_dataset", "load_dataset_with_report", "load_embeddings", "load_model",
    "save_upload", "shipped_models", "train_model",
]
__all__ += [
    "Projection", "ProjectionCache", "ProjectionCancelled", "anomaly_scores", "directions", "fit_projection", "grid_points",
    "interpolate", "interpolate_path", "manifold_grid", "nearest", "traverse",
]
