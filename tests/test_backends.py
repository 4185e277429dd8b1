"""Keras's backends: TensorFlow is imported only when it is the backend, and a missing
backend is one line naming the extras to install. The whole suite runs on each backend
(``.ci/run``); these tests check what differs between them."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict

import keras
import numpy as np
import pytest

import rnndiagram
from rnndiagram.spec import value_key

pytestmark = pytest.mark.slow  # new Python processes importing Keras

DRAW = """
import sys
from rnndiagram.cli import main
main(["export", "example:seed_stacked", "--values", "-o", sys.argv[1]], standalone_mode=False)
print("tensorflow" in sys.modules)
"""


def _run(code: str, *args: str, env: Dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          env={**os.environ, **env})


def test_tensorflow_is_imported_only_when_it_is_the_backend(tmp_path: Path) -> None:
    backend = keras.backend.backend()
    env = {"KERAS_BACKEND": backend}
    if backend != "tensorflow":
        # A stand-in for an installed TensorFlow, which leaves a mark if anything imports it.
        decoy = tmp_path / "site" / "tensorflow"
        decoy.mkdir(parents=True)
        (decoy / "__init__.py").write_text(
            f"open({str(tmp_path / 'imported')!r}, 'w').close()\nraise ImportError('a stand-in')\n")
        env["PYTHONPATH"] = os.pathsep.join([str(tmp_path / "site"), os.environ.get("PYTHONPATH", "")])
    proc = _run(DRAW, str(tmp_path / "m.svg"), env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[-1] == str(backend == "tensorflow")
    assert not (tmp_path / "imported").exists()
    assert (tmp_path / "m.svg").read_text().count("rnd-value") > 40


def test_no_backend_is_one_line_naming_the_extras(tmp_path: Path) -> None:
    missing = [b for b in ("jax", "torch", "tensorflow") if importlib.util.find_spec(b) is None]
    assert missing, "every backend is installed here, so none can be missing"
    proc = subprocess.run([sys.executable, "-c", "from rnndiagram.cli import main; main()", "export",
                           "example:seed_simple_rnn", "-o", str(tmp_path / "m.svg")],
                          capture_output=True, text=True,
                          env={**os.environ, "KERAS_BACKEND": missing[0]})
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and f"No module named '{missing[0]}'" in lines[0], proc.stderr
    assert 'pip install "rnndiagram[tensorflow]", or "rnndiagram[jax]" or "rnndiagram[torch]"' in lines[0]
    saved = _run("from rnndiagram.cli import main; main()", "inspect",
                 str(Path(__file__).parent / "data" / "keras2" / "seq2seq.h5"), env={"KERAS_BACKEND": missing[0]})
    assert saved.returncode == 0 and "decoder_lstm" in saved.stdout  # a saved file needs no backend


def test_values_honour_a_fixed_batch_size(example_models: Dict[str, Any]) -> None:
    """The stateful GRU example runs on batches of 4: the numbers are item 0's of such a batch,
    and the states the model keeps between batches are left as they were."""
    model = example_models["stateful_gru"]
    gru = model.get_layer("gru")
    before = [keras.ops.convert_to_numpy(s) for s in gru.states]
    sample = np.random.default_rng(1).uniform(size=(3, 10, 3)).astype("float32")
    d = rnndiagram.diagram(model, values=True, sample=sample)
    assert all(np.array_equal(keras.ops.convert_to_numpy(s), b) for s, b in zip(gru.states, before))
    expected = keras.ops.convert_to_numpy(model(sample[[0, 1, 2, 0]]))[0]  # the rows repeat
    for state, kept in zip(gru.states, before):
        state.assign(kept)
    for t in (1, 2, 10):
        assert d._values[value_key("per_step", 0, t)] == pytest.approx(expected[t - 1], abs=1e-5)
    # Without a sample it runs on a random batch of 4: the numbers of the input and of the
    # Dense at the three shown steps are printed (the GRU's 8-unit strips are drawn
    # compressed, to keep the drawing within 1,600 px).
    assert rnndiagram.diagram(model, values=True).to_svg().count("rnd-value") >= 3 * (3 + 2)


def test_an_old_keras_is_one_line_naming_the_bound() -> None:
    import re

    from rnndiagram.errors import MissingDependencyError
    from rnndiagram.read.keras_import import MIN_KERAS, check_version

    pyproject = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text()
    bound = re.search(r'"keras>=([0-9.]+)"', pyproject)
    assert bound and tuple(int(p) for p in bound.group(1).split(".")) == MIN_KERAS
    for old in ("2.15.0", "3.0.5", "3.6.0"):
        with pytest.raises(MissingDependencyError, match=f"needs Keras {bound.group(1)} or newer, and Keras {old}"):
            check_version(old)
    check_version(keras.__version__)
    check_version("3.7.0")
    check_version("4.0.0.dev1")
