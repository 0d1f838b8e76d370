"""Everything a Keras user touches: layers, models, losses, metrics, optimizers, callbacks."""
