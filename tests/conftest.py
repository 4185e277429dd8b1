"""Shared test set-up: quiet TensorFlow, bounded hypothesis runs, the --update-golden flag."""

from __future__ import annotations

import os

# Read once when TensorFlow loads, so they must be set before any test imports it.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

from hypothesis import HealthCheck, settings  # noqa: E402

# Each example builds and runs a Keras model; keep CI bounded on 2 cores.
settings.register_profile(
    "ci", max_examples=25, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile(
    "dev", max_examples=60, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite the golden SVG/DOT files and the gallery from the current output")


import pytest  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def template_cache(tmp_path_factory):
    """Compiled templates go to a folder of this run, not the user's cache (subprocesses inherit it)."""
    if "RNNDIAGRAM_CACHE_DIR" in os.environ:
        yield os.environ["RNNDIAGRAM_CACHE_DIR"]
        return
    os.environ["RNNDIAGRAM_CACHE_DIR"] = str(tmp_path_factory.mktemp("compiled-templates"))
    yield os.environ["RNNDIAGRAM_CACHE_DIR"]
    del os.environ["RNNDIAGRAM_CACHE_DIR"]


@pytest.fixture(scope="session")
def example_models():
    """Every built-in example, built once per test run (Keras builds are the slow part)."""
    from rnndiagram import examples

    return {name: examples.build(name) for name in examples.names()}


@pytest.fixture(scope="session")
def example_specs(example_models):
    from rnndiagram import inspect

    return {name: inspect(model) for name, model in example_models.items()}


@pytest.fixture(scope="module")
def keep_keras_auto_names():
    """Keras numbers auto-named layers and ops (flip, flip_1...) in one global counter; a
    module that builds many models puts the counter back after it (``usefixtures``), so
    tests that run later get the names they would get without it."""
    import collections

    from keras.src.backend.common import global_state

    saved = global_state.get_global_attribute("object_name_uids", None)
    kept = collections.defaultdict(int, saved or {})
    yield
    global_state.set_global_attribute("object_name_uids", kept)


@pytest.fixture
def run():
    """The command line in process: ``run("export", src, "-o", out)`` (arguments made
    strings), exceptions not caught."""
    from click.testing import CliRunner

    from rnndiagram.cli import main

    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)

    return invoke
