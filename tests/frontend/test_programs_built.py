"""Only what is needed is built: evaluate and predict trace and optimize their own step alone,
and every pass of a step gets that step's context."""
import jax
import numpy as np

import kerax
from kerax.frontend.models import programs

X = np.ones((8, 3), np.float32)
Y = np.zeros((8, 1), np.float32)


def counting(monkeypatch):
    traced = []
    original = programs.trace_model

    def trace_model(model, signature, training, name=None):
        traced.append(training)
        return original(model, signature, training, name)

    monkeypatch.setattr(programs, "trace_model", trace_model)
    return traced


def model():
    m = kerax.Sequential([kerax.Input((3,)), kerax.layers.Dense(1)])
    m.compile(optimizer="sgd", loss="mse")
    return m


def modes(m):
    return sorted(key[2] for key in m._programs)


def test_evaluate_builds_only_the_test_step(monkeypatch):
    traced, m = counting(monkeypatch), model()
    m.evaluate(X, Y, verbose=0)
    assert traced == [False] and modes(m) == ["test"]
    m.evaluate(X, Y, verbose=0)
    assert len(traced) == 1  # cached


def test_predict_builds_only_the_predict_step(monkeypatch):
    traced, m = counting(monkeypatch), model()
    m.predict(X, verbose=0)
    assert traced == [False] and modes(m) == ["predict"]


def test_fit_builds_the_train_step_and_its_validation_the_test_step(monkeypatch):
    traced, m = counting(monkeypatch), model()
    m.fit(X, Y, epochs=1, verbose=0)
    assert traced == [True] and modes(m) == ["train"]
    m.fit(X, Y, epochs=1, verbose=0, validation_data=(X, Y))
    assert traced == [True, False] and modes(m) == ["test", "train"]


def test_every_pass_gets_the_step_context(monkeypatch):
    from kerax import passes

    seen = []

    def pipeline(context=None):
        def record(graph, ctx):
            seen.append(ctx)
            return graph

        return [passes.Pass("record", record, "records its context"), *passes.default_pipeline(context)]

    monkeypatch.setattr(programs, "default_pipeline", pipeline)
    m = model()
    m.fit(X, Y, epochs=1, verbose=0)
    m.predict(X, verbose=0)
    assert [c.mode for c in seen] == ["train", "predict"]
    assert all(c.platform == jax.default_backend() and c.mesh is None and c.dtype_policy == "float32" for c in seen)


def test_the_context_carries_the_distribution(monkeypatch):
    from kerax import distribution as dist

    mesh = dist.DeviceMesh((2, 4), ("batch", "model"))
    layout_map = dist.LayoutMap(mesh)
    layout_map["dense.*kernel"] = (None, "model")
    dist.set_distribution(dist.ModelParallel(layout_map=layout_map, batch_dim_name="batch"))
    context = programs.pass_context("test")
    assert context.mesh_axes == {"batch": 2, "model": 4} and context.batch_axis == "batch"
    assert context.layout_map is layout_map and not context.training


def test_the_distribution_is_part_of_the_program_key(monkeypatch):
    from kerax import distribution as dist

    traced, m = counting(monkeypatch), model()
    m.predict(X, verbose=0)
    dist.set_distribution(dist.DataParallel())
    program = m._program([X], False, "predict")
    assert traced == [False, False] and program.context.mesh is not None
    assert program.graph.data_inputs[0].value.type.sharding == (("batch",), ())
