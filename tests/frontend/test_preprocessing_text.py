"""String and lookup layers. Keras 3 runs them through TensorFlow, which the test oracle lacks,
so the expected values are the outputs printed in Keras 3's own docstrings (computed there by
TensorFlow: vocabulary order, OOV buckets and FarmHash buckets included)."""
import numpy as np
import pytest

import kerax
from kerax import layers
from kerax.frontend.layers.preprocessing.fingerprint import fingerprint64

VOCAB = ["a", "b", "c", "d"]
DATA = np.array([["a", "c", "d"], ["d", "z", "b"]])


def test_string_lookup_indices_and_oov():
    assert layers.StringLookup(vocabulary=VOCAB)(DATA).tolist() == [[1, 3, 4], [4, 0, 2]]
    two_oov = layers.StringLookup(vocabulary=VOCAB, num_oov_indices=2)
    assert two_oov(np.array([["a", "c", "d"], ["m", "z", "b"]])).tolist() == [[2, 4, 5], [0, 1, 3]]
    masked = layers.StringLookup(vocabulary=VOCAB, mask_token="")
    assert masked(np.array([["a", "c", "d"], ["d", "", "b"]])).tolist() == [[2, 4, 5], [5, 0, 3]]
    assert masked.get_vocabulary() == ["", "[UNK]", "a", "b", "c", "d"] and masked.vocabulary_size() == 6


def test_string_lookup_encodings():
    counts = np.array([["a", "c", "d", "d"], ["d", "z", "b", "z"]])
    one_hot = layers.StringLookup(vocabulary=VOCAB, output_mode="one_hot")(np.array(["a", "b", "c", "d", "z"]))
    np.testing.assert_array_equal(one_hot, np.roll(np.eye(5), 1, axis=1))  # "z" is OOV: index 0
    assert layers.StringLookup(vocabulary=VOCAB, output_mode="multi_hot")(DATA).tolist() == [
        [0, 1, 0, 1, 1], [1, 0, 1, 0, 1]]
    assert layers.StringLookup(vocabulary=VOCAB, output_mode="count")(counts).tolist() == [
        [0, 1, 0, 1, 2], [2, 0, 1, 0, 1]]
    tf_idf = layers.StringLookup(vocabulary=VOCAB, idf_weights=[0.25, 0.75, 0.6, 0.4], output_mode="tf_idf")
    np.testing.assert_allclose(tf_idf(counts), [[0, 0.25, 0, 0.6, 0.8], [1.0, 0, 0.75, 0, 0.4]], rtol=1e-6)


def test_string_lookup_adapt_and_invert():
    layer = layers.StringLookup()
    layer.adapt(np.array([["d", "z", "b", "z"], ["a", "z", "d", "c"]]))
    assert layer.get_vocabulary() == ["[UNK]", "z", "d", "c", "b", "a"]  # by count, ties: larger first
    inverse = layers.StringLookup(vocabulary=VOCAB, invert=True)
    assert inverse(np.array([[1, 3, 4], [4, 0, 2]])).tolist() == [["a", "c", "d"], ["d", "[UNK]", "b"]]
    capped = layers.StringLookup(max_tokens=3)
    capped.adapt([np.array(["x", "x", "y", "z", "z", "z"])])
    assert capped.get_vocabulary() == ["[UNK]", "z", "x"]


def test_integer_lookup():
    vocab, data = [12, 36, 1138, 42], np.array([[12, 1138, 42], [42, 1000, 36]])
    assert layers.IntegerLookup(vocabulary=vocab)(data).tolist() == [[1, 3, 4], [4, 0, 2]]
    two_oov = layers.IntegerLookup(vocabulary=vocab, num_oov_indices=2)
    assert two_oov(np.array([[12, 1138, 42], [37, 1000, 36]])).tolist() == [[2, 4, 5], [1, 0, 3]]
    layer = layers.IntegerLookup()
    layer.adapt(data)
    assert layer.get_vocabulary() == [-1, 42, 1138, 1000, 36, 12]


def test_hashing_buckets_are_tensorflows():
    assert layers.Hashing(num_bins=3)(np.array([["A"], ["B"], ["C"], ["D"], ["E"]])).ravel().tolist() == [1, 0, 1, 1, 2]
    masked = layers.Hashing(num_bins=3, mask_value="")
    assert masked(np.array([["A"], ["B"], [""], ["C"], ["D"]])).ravel().tolist() == [1, 1, 0, 2, 2]
    assert fingerprint64(b"") == 0x9AE16A3B2F90404F  # FarmHash's k2, its defined value for no bytes
    # Every length class of the hash (<=16, <=32, <=64, longer) runs and stays in 64 bits.
    for n in (3, 7, 15, 20, 40, 64, 65, 200):
        assert 0 <= fingerprint64(bytes(range(n))) < 2 ** 64


def test_text_vectorization():
    layer = layers.TextVectorization(max_tokens=5000, output_mode="int", output_sequence_length=4)
    layer.adapt(["foo bar", "bar baz", "baz bada boom"])
    assert layer(np.array([["foo qux bar"], ["qux baz"]])).tolist() == [[4, 1, 3, 0], [1, 2, 0, 0]]
    given = layers.TextVectorization(output_sequence_length=4, vocabulary=["earth", "wind", "and", "fire"])
    assert given(np.array([["earth wind and also fire"]])).tolist() == [[2, 3, 4, 1]]
    multi = layers.TextVectorization(output_mode="multi_hot")
    multi.adapt(np.array(["The cat sat.", "the dog"]))
    assert multi.get_vocabulary() == ["[UNK]", "the", "sat", "dog", "cat"]
    assert multi(np.array(["The dog sat on it!"])).tolist() == [[1, 1, 1, 1, 0]]
    bigrams = layers.TextVectorization(ngrams=2)
    bigrams.adapt(["a b c"])
    assert bigrams.get_vocabulary() == ["", "[UNK]", "c", "b c", "b", "a b", "a"]


def test_string_layers_run_on_the_host_and_say_so_in_a_model():
    lookup = layers.StringLookup(vocabulary=VOCAB)
    with pytest.raises(ValueError, match="runs on the host.*apply it to the data"):
        lookup(kerax.Input((3,), dtype="int32"))
    ids = lookup(DATA)  # the usual pattern: look up on the host, then feed the model
    model = kerax.Sequential([kerax.Input((3,), dtype="int64"), layers.Embedding(5, 2), layers.Flatten()])
    assert model.predict(ids, verbose=0).shape == (2, 6)


def test_lookup_errors_name_the_argument():
    with pytest.raises(ValueError, match="repeats"):
        layers.StringLookup(vocabulary=["a", "a"])
    with pytest.raises(ValueError, match="output_mode"):
        layers.StringLookup(output_mode="bag")
    with pytest.raises(ValueError, match="idf_weights"):
        layers.StringLookup(vocabulary=VOCAB, output_mode="tf_idf")
    with pytest.raises(ValueError, match="num_bins"):
        layers.Hashing(num_bins=0)
