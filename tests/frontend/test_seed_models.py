"""The models of Deep Learning with Python ch. 7 train with fit: a two-input question-answering
model and a three-output model with a loss per output and loss weights."""
import numpy as np
import pytest

import kerax
from kerax import layers

RNG = np.random.default_rng(0)
TEXT_VOCAB, QUESTION_VOCAB, ANSWERS = 200, 100, 20


def question_answering():
    text = kerax.Input(shape=(None,), dtype="int32", name="text")
    question = kerax.Input(shape=(None,), dtype="int32", name="question")
    encoded_text = layers.LSTM(32)(layers.Embedding(TEXT_VOCAB, 16)(text))
    encoded_question = layers.LSTM(16)(layers.Embedding(QUESTION_VOCAB, 8)(question))
    merged = layers.concatenate([encoded_text, encoded_question], axis=-1)
    answer = layers.Dense(ANSWERS, activation="softmax")(merged)
    model = kerax.Model([text, question], answer)
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["acc"])
    return model


@pytest.mark.parametrize("as_dict", [False, True])
def test_two_input_question_answering_model_trains(as_dict):
    n = 64
    text = RNG.integers(1, TEXT_VOCAB, (n, 12)).astype(np.int32)
    question = RNG.integers(1, QUESTION_VOCAB, (n, 5)).astype(np.int32)
    answers = kerax.utils.to_categorical(text[:, 0] % ANSWERS, ANSWERS)  # learnable from the text
    model = question_answering()
    x = {"text": text, "question": question} if as_dict else [text, question]
    history = model.fit(x, answers, epochs=8, batch_size=16, verbose=0)
    assert set(history.history) == {"loss", "acc"}
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert model.predict(x, verbose=0).shape == (n, ANSWERS)


def social_media():
    posts = kerax.Input(shape=(None,), dtype="int32", name="posts")
    x = layers.Embedding(256, 16)(posts)
    x = layers.Conv1D(32, 5, activation="relu")(x)
    x = layers.MaxPooling1D(3)(x)
    x = layers.Conv1D(32, 5, activation="relu")(x)
    x = layers.GlobalMaxPooling1D()(x)
    x = layers.Dense(32, activation="relu")(x)
    age = layers.Dense(1, name="age")(x)
    income = layers.Dense(4, activation="softmax", name="income")(x)
    gender = layers.Dense(1, activation="sigmoid", name="gender")(x)
    model = kerax.Model(posts, [age, income, gender])
    model.compile(optimizer="rmsprop",
                  loss={"age": "mse", "income": "categorical_crossentropy", "gender": "binary_crossentropy"},
                  loss_weights={"age": 0.25, "income": 1.0, "gender": 10.0})
    return model


@pytest.mark.parametrize("targets_as", ["dict", "list"])
def test_three_output_model_with_loss_weights(targets_as):
    n = 48
    posts = RNG.integers(0, 256, (n, 30)).astype(np.int32)
    age = RNG.uniform(18, 60, (n, 1)).astype(np.float32) / 60
    income = kerax.utils.to_categorical(RNG.integers(0, 4, n), 4)
    gender = RNG.integers(0, 2, (n, 1)).astype(np.float32)
    model = social_media()
    y = {"age": age, "income": income, "gender": gender} if targets_as == "dict" else [age, income, gender]
    history = model.fit(posts, y, epochs=3, batch_size=16, verbose=0)
    assert set(history.history) == {"loss", "age_loss", "income_loss", "gender_loss"}
    parts = [history.history[f"{name}_loss"][-1] for name in ("age", "income", "gender")]
    # the total is the weighted sum of the per-output losses (History averages over the epoch)
    np.testing.assert_allclose(history.history["loss"][-1], 0.25 * parts[0] + parts[1] + 10.0 * parts[2], rtol=1e-4)
    evaluated = model.evaluate(posts, y, verbose=0, return_dict=True)
    assert set(evaluated) == {"loss", "age_loss", "income_loss", "gender_loss"}
