"""latent_core: train, load, project and decode latent-variable image models. No streamlit here."""
from .checkpoint import load_model, shipped_models
from .dataset import ImageDataset
from .datasets import builtin_names, load_dataset
from .errors import InvalidInputError
from .model import LatentModel
from .training import TrainConfig, TrainingProgress, train_model

__all__ = [
    "ImageDataset", "InvalidInputError", "LatentModel", "TrainConfig", "TrainingProgress",
    "builtin_names", "load_dataset", "load_model", "shipped_models", "train_model",
]
