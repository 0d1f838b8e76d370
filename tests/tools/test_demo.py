"""The demo's model learns the digits (the full demo runs through `make demo`)."""
import numpy as np

import kerax
from kerax.tools import demo


def test_demo_convnet_learns_the_digits_quickly():
    kerax.utils.set_random_seed(0)
    (x_train, y_train), (x_test, y_test) = demo.load_digits()
    assert x_train.shape[1:] == (8, 8, 1) and len(x_train) + len(x_test) == 1797
    model = demo.convnet()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"], steps_per_execution=8)
    model.fit(x_train, y_train, batch_size=32, epochs=6, verbose=0)
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    assert accuracy > 0.93
    assert np.isfinite(model.predict(x_test[:5], verbose=0)).all()
