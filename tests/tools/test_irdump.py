"""irdump prints a model's IR before and after the pass pipeline."""
import subprocess
import sys

import numpy as np
import pytest

from kerax.ir import parse
from kerax.tools import irdump

MODELS = '''
import kerax

def mlp():
    x = kerax.Input((8,), name="features")
    h = kerax.layers.Dense(16, activation="relu")(x)
    h = h * 1.0  # removed by the simplify pass
    return kerax.Model(x, kerax.layers.Dense(2, name="logits")(h))

def not_a_model_yet():
    return kerax.Sequential([kerax.layers.Dense(2)])
'''


@pytest.fixture
def models_file(tmp_path):
    path = tmp_path / "my_models.py"
    path.write_text(MODELS)
    return path


def sections(text: str) -> dict:
    out, current = {}, None
    for line in text.splitlines():
        if line.startswith("# "):
            current = line[2:].split(" (")[0]
            out[current] = []
        elif current is not None and line.strip():
            out[current].append(line)
    return {k: "\n".join(v) + "\n" for k, v in out.items()}


def test_prints_parseable_ir_before_and_after(models_file, capsys):
    assert irdump.main([f"{models_file}:mlp", "--after", "cse", "--table", "--batch", "32"]) == 0
    text = capsys.readouterr().out
    parts = sections(text)
    before, after = parse(parts["before passes"]), parse(parts["after the pipeline"])
    assert "multiply" in [n.op for n in before.nodes] and "multiply" not in [n.op for n in after.nodes]
    assert parse(parts["after cse"]).name == "functional"
    assert before.inputs[0].name == "features" and after.output_names == ("logits",)
    assert "FLOPs at batch 32" in text


def test_dot_export(models_file, tmp_path, capsys):
    irdump.main([f"{models_file}:mlp", "--dot", str(tmp_path / "g.dot")])
    dot = (tmp_path / "g.dot").read_text()
    assert dot.startswith('digraph "functional" {')
    assert 'label="matmul\\nfunctional/dense"' in dot and "n0 -> n1" in dot


def test_console_script_form(models_file):
    result = subprocess.run([sys.executable, "-m", "kerax.tools.irdump", f"{models_file}:mlp"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# before passes\ngraph \"functional\"")


def test_clear_errors(models_file):
    with pytest.raises(SystemExit, match="expected MODULE:FUNCTION"):
        irdump.main(["no_colon"])
    with pytest.raises(SystemExit, match="has no function 'nope'"):
        irdump.main([f"{models_file}:nope"])
    with pytest.raises(SystemExit, match="has no inputs yet"):
        irdump.main([f"{models_file}:not_a_model_yet"])


DROPOUT = '''
import kerax

def net():
    x = kerax.Input((8,), name="features")
    h = kerax.layers.Dropout(0.5)(kerax.layers.Dense(16)(x))
    model = kerax.Model(x, kerax.layers.Dense(2, name="logits")(h * 1.0))
    model.compile(optimizer="sgd", loss="mse")
    return model
'''


CONVNET = '''
import kerax

def convnet():
    model = kerax.Sequential([kerax.Input((8, 8, 1)), kerax.layers.Conv2D(4, 3), kerax.layers.Flatten(),
                              kerax.layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse", steps_per_execution=8)
    return model
'''


SCANNED = '''
import kerax

def mlp():
    model = kerax.Sequential([kerax.Input((5,)), kerax.layers.Dense(3)])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", steps_per_execution=3)
    return model
'''


@pytest.fixture
def net_file(tmp_path):
    path = tmp_path / "nets.py"
    path.write_text(DROPOUT)
    return path


def test_step_picks_the_program_of_that_step(net_file, capsys):
    irdump.main([f"{net_file}:net", "--step", "train"])
    train = parse(sections(capsys.readouterr().out)["after the pipeline"])
    irdump.main([f"{net_file}:net", "--step", "predict"])
    predict = parse(sections(capsys.readouterr().out)["after the pipeline"])
    # the whole train step: the gradient of a region holding the forward pass and the loss, then SGD's update
    (grad,) = [n for n in train.nodes if n.op == "value_and_grad"]
    region = grad.attr("body")
    assert "dropout" in [n.op for n in region.nodes]  # dropout draws only while training
    assert region.output_names[:2] == ("scaled_loss", "loss") and "square" in [n.op for n in region.nodes]  # mse
    assert train.output_names == ("loss",)
    calls = [n for n in train.nodes if n.op == "call"]  # SGD's update: one call per weight of a shared region
    assert calls and all({"multiply", "subtract"} <= {n.op for n in c.attr("body").nodes} for c in calls)
    assert any(name.endswith("dense/kernel") for name, _ in train.updates)
    assert "dropout" not in [n.op for n in predict.nodes]


def test_diff_shows_what_a_pass_changed(net_file, capsys):
    irdump.main([f"{net_file}:net", "--diff", "simplify", "--diff", "cse"])
    out = capsys.readouterr().out
    diff = out.split("# diff simplify\n")[1].split("\n# ")[0]
    assert diff.startswith("--- before simplify\n+++ after simplify\n")
    removed = [line for line in diff.splitlines() if line.startswith("-  ")]
    assert len(removed) >= 1 and any("multiply" in line for line in removed)
    assert "(no change by cse)" in out
    with pytest.raises(SystemExit, match="--diff fuse: expected one of the passes"):
        irdump.main([f"{net_file}:net", "--diff", "fuse"])


def test_stages_print_what_xla_receives_and_compiles(net_file, capsys):
    irdump.main([f"{net_file}:net", "--stage", "stablehlo", "--batch", "4"])
    stablehlo = capsys.readouterr().out.split("# stablehlo (batch 4): the single program of 1 step that predict runs")[1]
    assert "func.func public @main" in stablehlo and "tensor<1x4x8xf32>" in stablehlo  # [steps, batch, 8]
    irdump.main([f"{net_file}:net", "--stage", "hlo"])
    assert "HloModule" in capsys.readouterr().out.split("# hlo (batch 1)")[1]


def test_stage_of_the_train_step_is_the_k_step_program_fit_runs(tmp_path, capsys):
    path = tmp_path / "scan_models.py"
    path.write_text(SCANNED)
    irdump.main([f"{path}:mlp", "--step", "train", "--stage", "stablehlo", "--batch", "4"])
    header, stablehlo = capsys.readouterr().out.split("# stablehlo (batch 4): ")[1].split("\n", 1)
    assert header.startswith("the scan program of 3 steps that train runs (plan: scan")
    assert "tensor<3x4x5xf32>" in stablehlo and "tensor<3x4xi32>" in stablehlo  # x and sparse labels, 3 steps
    assert "stablehlo.while" in stablehlo  # the scan over the steps
    assert stablehlo.count("stablehlo.dot_general") == 2  # the Dense layer's forward and its kernel's gradient
    assert "stablehlo.sqrt" in stablehlo  # Adam's update: the whole step, not the forward program


def test_json_is_machine_readable(net_file, capsys):
    import json

    irdump.main([f"{net_file}:net", "--json", "--step", "test"])
    data = json.loads(capsys.readouterr().out)
    assert data["step"] == "test"
    ops = [n["op"] for n in data["after"]["nodes"]]
    assert ops.count("matmul") == 2 and "multiply" not in ops and "multiply" in [n["op"] for n in data["before"]["nodes"]]
    (features,) = [i for i in data["after"]["inputs"] if i["label"] == "features"]
    assert features == {"name": features["name"], "kind": "input", "label": "features", "trainable": False,
                        "initializer": "", "shape": [None, 8], "dtype": "float32", "sharding": None}
    assert [o["label"] for o in data["after"]["outputs"]] == ["loss"]  # the test step: its logs
    assert set(data["passes"]) == {"dce", "cse", "simplify", "dce-final", "shard"}


def test_it_prints_the_program_the_model_built(monkeypatch):
    from kerax.frontend.models import programs

    traced = []
    original = programs.trace_model
    monkeypatch.setattr(programs, "trace_model", lambda *a, **k: traced.append(1) or original(*a, **k))
    import kerax

    model = kerax.Sequential([kerax.Input((3,)), kerax.layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    model.predict(np.zeros((2, 3), np.float32), verbose=0)
    program = irdump.step_program(model, "predict")
    assert traced == [1] and program is next(iter(model._programs.values()))


def test_shows_the_loop_plan_the_compiler_chooses(tmp_path, capsys):
    path = tmp_path / "conv_models.py"
    path.write_text(CONVNET)
    irdump.main([f"{path}:convnet", "--training", "--platform", "cpu"])
    assert "# loop plan (train, cpu, batch 1): host (rule cpu-convolution; K=8" in capsys.readouterr().out
    irdump.main([f"{path}:convnet", "--training", "--platform", "gpu"])
    assert "# loop plan (train, gpu, batch 1): scan (rule dispatch-bound; K=8" in capsys.readouterr().out


CUSTOM = '''
import kerax

class Custom(kerax.Model):
    def train_step(self, state, data):
        return super().train_step(state, data)

def custom():
    x = kerax.Input((4,))
    model = Custom(x, kerax.layers.Dense(2)(x))
    model.compile(optimizer="sgd", loss="mse")
    return model
'''


def test_an_overridden_train_step_shows_as_opaque(tmp_path, capsys):
    path = tmp_path / "custom_models.py"
    path.write_text(CUSTOM)
    irdump.main([f"{path}:custom", "--step", "train"])
    out = sections(capsys.readouterr().out)["after the pipeline"]
    graph = parse(out)
    (node,) = graph.nodes  # the user's code as written: nothing of it is entered
    assert node.op == "opaque" and node.attr("fn") == "user_train_step"
    assert graph.output_names == ("['loss']",)
