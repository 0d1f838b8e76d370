"""tools/api_coverage.py: the per-module comparison with Keras 3's public names."""
from kerax.tools import api_coverage


def test_report_counts_and_totals():
    rows = [("ops", 4, 3, ["d"]), ("ops.nn", 2, 2, []), ("layers", 4, 1, ["b", "c", "d"])]
    text = api_coverage.report(rows, missing=True, extra_total=("layers",))
    assert "ops                                       4      3    75.0%" in text
    assert "    missing: d" in text and "    missing: b, c, d" in text
    assert "total (all compared modules)             10      6    60.0%" in text
    assert "total (issue 10 API surface)              6      5    83.3%" in text
    assert "total (layers)" in text and text.rstrip().endswith("25.0%")


def test_kerax_has_most_of_the_keras_ops_and_utility_modules():
    rows = {path: (total, have, lacking) for path, total, have, lacking in api_coverage.coverage()}
    assert "applications" not in rows and not any(p.startswith(("quantizers", "visualization")) for p in rows)
    for module in ("ops.numpy", "ops.linalg", "tree", "random", "backend"):
        total, have, lacking = rows[module]
        assert have == total, f"kerax.{module} lacks {lacking}"
    selected = [rows[m] for m in rows if m.split(".")[0] in ("ops", "backend", "tree", "random", "config", "utils")]
    assert sum(h for _, h, _ in selected) >= 0.9 * sum(t for t, _, _ in selected)
