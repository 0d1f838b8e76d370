"""irdump prints a model's IR before and after the pass pipeline."""
import subprocess
import sys

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


CONVNET = '''
import kerax

def convnet():
    model = kerax.Sequential([kerax.Input((8, 8, 1)), kerax.layers.Conv2D(4, 3), kerax.layers.Flatten(),
                              kerax.layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse", steps_per_execution=8)
    return model
'''


def test_shows_the_loop_plan_the_compiler_chooses(tmp_path, capsys):
    path = tmp_path / "conv_models.py"
    path.write_text(CONVNET)
    irdump.main([f"{path}:convnet", "--training", "--platform", "cpu"])
    assert "# loop plan (train, cpu, batch 1): host (rule cpu-convolution; K=8" in capsys.readouterr().out
    irdump.main([f"{path}:convnet", "--training", "--platform", "gpu"])
    assert "# loop plan (train, gpu, batch 1): scan (rule dispatch-bound; K=8" in capsys.readouterr().out
