from torchkeras.models.functional import Functional
from torchkeras.models.model import Model
from torchkeras.models.sequential import Sequential
from torchkeras.saving import clone_model, load_model, model_from_json, save_model
