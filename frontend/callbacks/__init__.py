"""kerax.callbacks: hooks called by fit/evaluate/predict at execution boundaries."""
from .callback import Callback, CallbackList
from .history import History, ProgbarLogger
