"""Model, Sequential and functional models."""
from .functional import Functional
from .model import Model
from .sequential import Sequential
from ..saving.api import load_model, model_from_json, save_model
from .cloning import clone_model
