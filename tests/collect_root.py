"""A pytest plugin (`make test` loads it with `-p tests.collect_root`): collect the checkout's
root folder as a plain folder, not as a Python package.

The repository root is the `kerax` package itself, so it holds an `__init__.py`, and pytest
would import that file as a module named after the folder. A checkout named `kerax-main` or
`kerax 2` is not a Python name, and every test would then fail at set-up."""
import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_collect_directory(path, parent):
    if (path / "__init__.py").is_file() and (path / "pyproject.toml").is_file():
        return pytest.Dir.from_parent(parent, path=path)
    return None
