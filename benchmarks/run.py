"""Time rnndiagram against ``keras.utils.plot_model``, side by side in one run.

    python -m benchmarks            # everything, a few minutes
    python -m benchmarks --quick    # fewer repeats

Each comparison alternates its two sides (A B, B A, A B...) so that a machine busy
with something else slows both alike; the figures are medians and their ratio. Each
timed run starts after a full garbage collection: with TensorFlow loaded one takes a
few hundred ms, and would otherwise land in whichever run it happened to fall.
Three parts:

1. whole process: ``rnndiagram export m.keras -o m.svg`` against a script that loads the
   file with Keras and calls ``plot_model(show_shapes=True)`` (plot_model_script.py), and
   once more with the compiled-template cache turned off, as on a first run;
2. in process, model already built: ``rnndiagram.diagram(model).to_svg()`` against
   ``plot_model(model, to_file="m.svg", show_shapes=True)``, and our time per stage;
3. scaling: time and SVG size as the timesteps T and the stacked layers grow, and time per
   stage as a random functional graph grows to 500 layers, against ``plot_model`` (``--graphs``);
4. models built with Python loops: Graphviz's time on our DOT, and the drawing's size;
5. depth: 20, 200 and 500 layers of [LSTM, TimeDistributed(Dense)] pairs, unrolled and
   rolled: the drawing's height and our time against ``plot_model``'s (``--depth``);
6. the published models of ``tests/published_models.py``: our time against
   ``plot_model``'s on each, and the lowest ratio (``--published``);
7. Graphviz's ``dot`` on the DOT of every view of every example and published model
   (``--dot``; target: at most 5 s each).

The full run ends with a summary: one line per target, as measured in that run.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any, Callable, Dict, List, Sequence, Tuple

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
HERE = Path(__file__).resolve().parent

Timer = Callable[[], Any]

SUMMARY: List[str] = []
"""One line per target, as each part measures it; ``main`` prints them together at the end."""


def machine() -> str:
    """The CPU, its cores and the versions the figures were measured with."""
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import importlib

    import keras

    import rnndiagram

    backend = keras.backend.backend()
    names = {"tensorflow": "TensorFlow", "jax": "JAX", "torch": "PyTorch"}
    return (f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()}, "
            f"{names.get(backend, backend)} {importlib.import_module(backend).__version__}, Keras {keras.__version__}, "
            f"rnndiagram {rnndiagram.__version__}")


def alternate(a: Timer, b: Timer, repeats: int) -> Tuple[float, float]:
    """Median seconds of ``a`` and ``b``, run alternately after one untimed warm-up each."""
    a(), b()
    times: Dict[str, List[float]] = {"a": [], "b": []}
    for i in range(repeats):
        order = (("a", a), ("b", b)) if i % 2 == 0 else (("b", b), ("a", a))
        for name, fn in order:
            gc.collect()
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return statistics.median(times["a"]), statistics.median(times["b"])


def timed(fn: Timer, repeats: int) -> float:
    """Median seconds of ``fn``, after one untimed warm-up."""
    fn()
    runs = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def lstm_stack(keras: Any, layers: int, timesteps: int = 10, name: str = "") -> Any:
    """``layers`` stacked LSTMs over ``timesteps`` steps of 8 features, then a Dense head."""
    stack = [keras.Input(shape=(timesteps, 8), name="steps")]
    for i in range(layers):
        stack.append(keras.layers.LSTM(32, return_sequences=i < layers - 1, name=f"lstm_{i}"))
    stack.append(keras.layers.Dense(4, name="head"))
    return keras.Sequential(stack, name=name or f"lstm_stack_{layers}")


def random_dag(keras: Any, count: int, seed: int = 0) -> Any:
    """``count`` layers wired at random (seeded): LSTMs and GRUs on sequences, Dense layers on
    steps and on vectors, Add merges, RepeatVector; each reads one of the 12 latest tensors
    of its kind, preferring one nothing reads yet, and every tensor nothing reads is an
    output, so no layer is left out of the model."""
    rng = random.Random(seed)
    layers = keras.layers
    seqs = [keras.Input(shape=(6, 8), name=f"in_{i}") for i in range(4)]
    inputs, vecs, unread = list(seqs), [], {id(t): t for t in seqs}

    def pick(pool: List[Any], k: int = 1) -> List[Any]:
        fresh = [t for t in pool[-12:] if id(t) in unread]
        chosen = rng.sample(fresh, k) if len(fresh) >= k else rng.sample(pool[-12:], k)
        for t in chosen:
            unread.pop(id(t), None)
        return chosen

    for n in range(count):
        choice, name = rng.random(), f"layer_{n}"
        if choice < 0.3 or not vecs:
            rnn = layers.LSTM(8, return_sequences=True, name=name) if rng.random() < 0.5 else layers.GRU(8, name=name)
            out = rnn(*pick(seqs))
        elif choice < 0.5:
            out = layers.Dense(8, name=name)(*pick(seqs))
        elif choice < 0.65:
            out = layers.Dense(8, name=name)(*pick(vecs))
        elif choice < 0.8 and len(vecs) > 1:
            out = layers.Add(name=name)(pick(vecs, 2))
        elif choice < 0.9:
            out = layers.RepeatVector(6, name=name)(*pick(vecs))
        else:
            out = layers.Add(name=name)(pick(seqs, 2))
        (seqs if len(out.shape) == 3 else vecs).append(out)
        unread[id(out)] = out
    return keras.Model(inputs, list(unread.values()), name=f"random_dag_{count}")


def ratio(theirs: float, ours: float) -> str:
    return f"{theirs / ours:.0f}x" if theirs >= 10 * ours else f"{theirs / ours:.1f}x"


def run(command: Sequence[str], **extra_env: str) -> Timer:
    # Byte-code caching on, as in an installed package (some set-ups turn it off, and
    # then every process compiles rnndiagram from source while Keras has its .pyc files).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(extra_env)

    def call() -> None:
        subprocess.run(command, check=True, capture_output=True, env=env)
    return call


def rnndiagram_command() -> List[str]:
    script = Path(sys.executable).parent / "rnndiagram"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from rnndiagram.cli import main; main()"]


def whole_process(models: Dict[str, Any], folder: Path, repeats: int) -> List[str]:
    rows = ["| model | `rnndiagram export` | `load_model` + `plot_model` | ratio | against the import floor |",
            "|---|---|---|---|---|"]
    print("\n".join(rows), flush=True)
    start = timed(run([sys.executable, "-c", "pass"]), repeats)
    rows.append(f"| (`python -c pass`, the floor of any command) | {start * 1000:.0f} ms | | | |")
    print(rows[-1], flush=True)
    importing = run([sys.executable, "-c", "import click, jinja2"])
    floor = timed(importing, repeats)
    rows.append(f"| (`python -c \"import click, jinja2\"`, the import floor) | {floor * 1000:.0f} ms | | | |")
    print(rows[-1], flush=True)
    floors = []
    for name, model in models.items():
        path = folder / f"{name}.keras"
        model.save(path)
        ours = run(rnndiagram_command() + ["export", str(path), "-o", str(folder / f"{name}.ours.svg")])
        theirs = run([sys.executable, str(HERE / "plot_model_script.py"), str(path),
                      str(folder / f"{name}.keras.svg")])
        a, b = alternate(ours, theirs, repeats)
        # Against the floor in pairs of runs too: on a busy machine, times taken apart differ.
        paired, imported = alternate(ours, importing, 2 * repeats)
        floors.append(paired / imported)
        rows.append(f"| {name} | {a * 1000:.0f} ms | {b * 1000:.0f} ms | {ratio(b, a)} | x{floors[-1]:.2f} |")
        print(rows[-1], flush=True)
    # The first command on a machine also compiles the templates; with the cache off, every one does.
    path = folder / "seed_stacked.keras"
    cold = timed(run(rnndiagram_command() + ["export", str(path), "-o", str(folder / "cold.svg")],
                     RNNDIAGRAM_CACHE_DIR=""), repeats)
    rows.append(f"| seed_stacked, templates not cached (a first run) | {cold * 1000:.0f} ms | | | |")
    print(rows[-1], flush=True)
    rows += ["", f"`rnndiagram export` against the import floor: x{min(floors):.2f} to x{max(floors):.2f} "
                 f"(target: at most x1.5)."]
    SUMMARY.append(f"`rnndiagram export` against the import floor: x{min(floors):.2f} to "
                   f"x{max(floors):.2f} (target: at most x1.5)")
    print("\n".join(rows[-2:]), flush=True)
    return rows


def in_process(models: Dict[str, Any], folder: Path, repeats: int) -> List[str]:
    import rnndiagram
    from benchmarks.plot_model_script import plot

    rows = ["| model | `diagram(model).to_svg()` | `plot_model(..., show_shapes=True)` | ratio "
            "| introspect / unroll / layout / SVG |", "|---|---|---|---|---|"]
    print("\n".join(rows), flush=True)
    for name, model in models.items():
        out = str(folder / f"{name}.plot.svg")
        a, b = alternate(lambda: rnndiagram.diagram(model).to_svg(),
                         lambda: plot(model, out), repeats)
        parts = " / ".join(f"{t * 1000:.1f}" for t in stages(model, repeats))
        rows.append(f"| {name} | {a * 1000:.1f} ms | {b * 1000:.0f} ms | {ratio(b, a)} | {parts} ms |")
        print(rows[-1], flush=True)
    return rows


def stages(model: Any, repeats: int) -> List[float]:
    """Median seconds of each stage of ``diagram(model).to_svg()``, timed on its own."""
    from rnndiagram import inspect
    from rnndiagram.layout import layout
    from rnndiagram.options import DiagramOptions
    from rnndiagram.render.svg import render_svg
    from rnndiagram.unroll import unroll

    options = DiagramOptions()
    spec = inspect(model)
    graph = unroll(spec, options)
    scene = layout(graph, options.theme)
    return [timed(lambda: inspect(model), repeats), timed(paused(lambda: unroll(spec, options)), repeats),
            timed(paused(lambda: layout(graph, options.theme)), repeats),
            timed(paused(lambda: render_svg(scene)), repeats)]


def paused(stage: Timer) -> Timer:
    """A stage timed as ``Diagram`` runs it: with the garbage collector paused."""
    from rnndiagram.api import collection_paused

    return collection_paused(stage)


def scaling(repeats: int) -> List[str]:
    import keras

    import rnndiagram

    rows = ["| timesteps T | stacked LSTMs | time | SVG size |", "|---|---|---|---|"]
    print("\n".join(rows), flush=True)
    times = {}
    for steps, layers in ((10, 1), (1_000, 1), (100_000, 1), (10, 8), (10, 64)):
        model = lstm_stack(keras, layers, steps)
        times[steps, layers] = timed(lambda: rnndiagram.diagram(model).to_svg(), repeats)
        size = len(rnndiagram.diagram(model).to_svg().encode())
        rows.append(f"| {steps:,} | {layers} | {times[steps, layers] * 1000:.1f} ms | {size / 1024:.0f} KiB |")
        print(rows[-1], flush=True)
    rows.append("")
    rows.append(f"T from 10 to 100,000: time x{times[100_000, 1] / times[10, 1]:.2f} (flat is x1); "
                f"layers from 1 to 8: x{times[10, 8] / times[10, 1]:.1f}, "
                f"to 64: x{times[10, 64] / times[10, 1]:.1f} (linear is x8, x64).")
    print(rows[-1], flush=True)
    return rows


def graph_scaling(repeats: int) -> List[str]:
    """Random functional graphs of growing size: time per stage and the drawing's size."""
    import keras

    from rnndiagram import inspect
    from rnndiagram.layout import layout
    from rnndiagram.options import DiagramOptions
    from rnndiagram.render.svg import render_svg
    from rnndiagram.unroll import unroll

    from benchmarks.plot_model_script import plot

    rows = ["| layers | time axes and stacks | nodes / edges | introspect / unroll / layout / SVG | drawing "
            "| `diagram(model).to_svg()` | `plot_model` | ratio |", "|---|---|---|---|---|---|---|---|"]
    print("\n".join(rows), flush=True)
    import rnndiagram

    totals, ratios = {}, {}
    options = DiagramOptions()
    for count in (125, 250, 500):
        model = random_dag(keras, count)
        spec = inspect(model)
        drawn = rnndiagram.diagram(model)
        graph, scene = drawn.figure, drawn.scene  # as drawn: compact, fewer steps where chosen
        times = [timed(lambda: inspect(model), repeats), timed(paused(lambda: unroll(spec, options)), repeats),
                 timed(paused(lambda: layout(graph)), repeats), timed(paused(lambda: render_svg(scene)), repeats)]
        with tempfile.TemporaryDirectory() as tmp:
            out = str(Path(tmp) / "m.svg")
            ours, theirs = alternate(lambda: rnndiagram.diagram(model).to_svg(), lambda: plot(model, out), repeats)
        totals[count], ratios[count] = ours, theirs / ours
        rows.append(f"| {count} | {len(graph.panels)} | {len(graph.nodes):,} / {len(graph.edges):,} | "
                    + " / ".join(f"{t * 1000:.0f}" for t in times)
                    + f" ms | {scene.width:,.0f} x {scene.height:,.0f} px | {ours * 1000:.0f} ms "
                    f"| {theirs * 1000:.0f} ms | {ratio(theirs, ours)} |")
        print(rows[-1], flush=True)
    rows.append("")
    rows.append(f"Layers from 125 to 500: time x{totals[500] / totals[125]:.1f} (linear is x4).")
    SUMMARY.append(f"random DAG of 500 layers: {ratios[500]:.2f}x plot_model's speed (target: at least 1x); "
                   f"125 to 500 layers: time x{totals[500] / totals[125]:.1f} (linear is x4)")
    print(rows[-1], flush=True)
    return rows


def lstm_dense_stack(keras: Any, layers: int, timesteps: int = 20) -> Any:
    """``layers`` layers: pairs of LSTM(16, return_sequences=True) and
    TimeDistributed(Dense(16)) over ``timesteps`` steps of 16 features."""
    stack = [keras.Input(shape=(timesteps, 16), name="steps")]
    for i in range(layers // 2):
        stack += [keras.layers.LSTM(16, return_sequences=True, name=f"lstm_{i}"),
                  keras.layers.TimeDistributed(keras.layers.Dense(16), name=f"dense_{i}")]
    return keras.Sequential(stack, name=f"stack_{layers}")


def depth(repeats: int) -> List[str]:
    """Deep stacks: the drawing's height unrolled and rolled (target: at most 3,000 px) and
    our time against plot_model's (target: ratio at least 1x), one comparison each."""
    import keras

    import rnndiagram
    from benchmarks.plot_model_script import plot

    rows = ["| layers | unrolled | rolled | `diagram(model).to_svg()` | `plot_model` | ratio |",
            "|---|---|---|---|---|---|"]
    print("\n".join(rows), flush=True)
    times, ratios, heights = {}, {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for count in (20, 200, 500):
            model = lstm_dense_stack(keras, count)
            sizes = [rnndiagram.diagram(model, view=view).scene for view in ("unrolled", "rolled")]
            out = str(Path(tmp) / f"{count}.svg")
            a, b = alternate(lambda: rnndiagram.diagram(model).to_svg(), lambda: plot(model, out), repeats)
            times[count], ratios[count], heights[count] = a, b / a, sizes[0].height
            rows.append(f"| {count} | " + " | ".join(f"{s.width:,.0f} x {s.height:,.0f} px" for s in sizes)
                        + f" | {a * 1000:.0f} ms | {b * 1000:.0f} ms | {ratio(b, a)} |")
            print(rows[-1], flush=True)
    slope = (times[500] - times[20]) / 480
    rows += ["", f"Layers from 20 to 500: time x{times[500] / times[20]:.1f} (linear is x25); "
                 f"{slope * 1000:.2f} ms per layer."]
    SUMMARY.append("stacks of 20 / 200 / 500 layers: " + "; ".join(
        f"{heights[n]:,.0f} px tall, {times[n] * 1000:.0f} ms, {ratios[n]:.2f}x plot_model" for n in (20, 200, 500))
        + f"; {slope * 1000:.2f} ms per layer (targets: at most 3,000 px, at least 1x)")
    print("\n".join(rows[-2:]), flush=True)
    return rows


def published(repeats: int) -> List[str]:
    """Each published model of the tests: our time against plot_model's (target: at least 1x)."""
    sys.path.insert(0, str(HERE.parent / "tests"))
    import rnndiagram
    from benchmarks.plot_model_script import plot
    from published_models import MODELS

    rows = ["| model | `diagram(model).to_svg()` | `plot_model` | ratio |", "|---|---|---|---|"]
    print("\n".join(rows), flush=True)
    ratios = {}
    traced: List[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, build in MODELS.items():
            try:
                model = build()
            except Exception as exc:  # a model this backend cannot build
                rows.append(f"| {name} | not built here: {type(exc).__name__} | | |")
                print(rows[-1], flush=True)
                continue
            out = str(Path(tmp) / f"{name}.svg")
            a, b = alternate(lambda: rnndiagram.diagram(model).to_svg(), lambda: plot(model, out), repeats)
            ratios[name] = b / a
            rows.append(f"| {name} | {a * 1000:.1f} ms | {b * 1000:.0f} ms | {ratio(b, a)} |")
            print(rows[-1], flush=True)
            if any(l.model is not None and l.class_name not in ("Functional", "Sequential", "Model")
                   for l in rnndiagram.inspect(model).layers):  # a custom layer traced (kept: no trace again)
                traced.append(name)
    slowest = min(ratios, key=ratios.__getitem__)
    rows += ["", f"Lowest ratio: {ratios[slowest]:.2f}x ({slowest}); "
                 f"{sum(r < 1 for r in ratios.values())} of {len(ratios)} models slower than plot_model."]
    SUMMARY.append(f"published models: lowest ratio {ratios[slowest]:.2f}x ({slowest}), "
                   f"{sum(r < 1 for r in ratios.values())} of {len(ratios)} slower than plot_model (target: none)")
    print("\n".join(rows[-2:]), flush=True)
    return rows + first_drawings(MODELS, traced, repeats)


def first_drawings(models: Dict[str, Any], traced: Sequence[str], repeats: int) -> List[str]:
    """The ``traced`` models (a custom layer the live reader traces) drawn the first time:
    each run draws a model built anew (built before the timing starts), as a user's first
    drawing of a model does; the trace is kept with the model, so the runs of
    :func:`published` draw without it."""
    import rnndiagram
    from benchmarks.plot_model_script import plot

    rows = ["", "| model, drawn the first time | `diagram(model).to_svg()` | `plot_model` | ratio |",
            "|---|---|---|---|"]
    print("\n".join(rows), flush=True)
    worst = None
    with tempfile.TemporaryDirectory() as tmp:
        for name in traced:
            fresh = iter([models[name]() for _ in range(repeats + 1)])
            model = models[name]()
            out = str(Path(tmp) / f"{name}.svg")
            a, b = alternate(lambda: rnndiagram.diagram(next(fresh)).to_svg(), lambda: plot(model, out), repeats)
            worst = min(worst or (b / a, name), (b / a, name))
            rows.append(f"| {name} | {a * 1000:.1f} ms | {b * 1000:.0f} ms | {ratio(b, a)} |")
            print(rows[-1], flush=True)
    if worst is not None:
        SUMMARY.append(f"published models with a traced custom layer, drawn the first time: lowest ratio "
                       f"{worst[0]:.2f}x ({worst[1]}) (target: at least 1x)")
    return rows


LOOP_EXAMPLES = ("attention_decoder_loop", "feedback_forecaster", "convlstm_forecaster_loop")


def loop_models(repeats: int) -> List[str]:
    """The loop examples: our time, Graphviz's ``dot`` on our DOT, and the drawing's size
    (targets: dot at most 5 s, the drawing within 1,600 x 3,000 px)."""
    import rnndiagram
    from rnndiagram import examples

    rows = ["| example | `diagram(model).to_svg()` | `dot -Tsvg` on its DOT | drawing |", "|---|---|---|---|"]
    print("\n".join(rows), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name in LOOP_EXAMPLES:
            model = examples.build(name)
            ours = timed(lambda: rnndiagram.diagram(model).to_svg(), repeats)
            path = Path(tmp) / f"{name}.dot"
            path.write_text(rnndiagram.diagram(model).to_dot())
            dot = timed(run(["dot", "-Tsvg", str(path), "-o", str(path.with_suffix(".svg"))]), max(1, repeats // 2))
            scene = rnndiagram.diagram(model).scene
            size = f"{scene.width:,.0f} x {scene.height:,.0f} px"
            rows.append(f"| {name} | {ours * 1000:.0f} ms | {dot:.2f} s | {size} |")
            print(rows[-1], flush=True)
    return rows


DOT_LIMIT = 5.0
"""The most time ``dot`` may take to lay out any DOT rnndiagram writes (seconds)."""

DOT_VIEWS = ({"view": "unrolled"}, {"view": "rolled"}, {"view": "both"}, {"cell": "gates"})


def dot_sources() -> Dict[str, Any]:
    """A builder of every model whose DOT is timed: the examples (those built with loops
    among them) and the published models of the tests."""
    sys.path.insert(0, str(HERE.parent / "tests"))
    from published_models import MODELS

    from rnndiagram import examples

    builders: Dict[str, Any] = {f"example:{name}": (lambda n=name: examples.build(n)) for name in examples.names()}
    builders.update({f"published:{name}": build for name, build in MODELS.items()})
    return builders


def dot_layouts(limit: float = DOT_LIMIT) -> List[str]:
    """Graphviz's ``dot -Tsvg`` on the DOT of every view of every example and published
    model, once each (target: at most ``limit`` s each); a run is stopped at 12 times the limit."""
    import rnndiagram

    rows = ["| model | view | `dot -Tsvg` |", "|---|---|---|"]
    print("\n".join(rows), flush=True)
    times: Dict[Tuple[str, str], float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, build in dot_sources().items():
            try:
                model = build()
            except Exception as exc:  # a model this backend cannot build
                print(f"| {name} | not built here: {type(exc).__name__} | |", flush=True)
                continue
            for options in DOT_VIEWS:
                view = "/".join(options.values())
                try:
                    source = rnndiagram.diagram(model, **options).to_dot()
                except rnndiagram.RnnDiagramError:
                    continue  # a view this model has nothing for (no recurrent layer for gates)
                path = Path(tmp) / "m.dot"
                path.write_text(source)
                start = time.perf_counter()
                try:
                    subprocess.run(["dot", "-Tsvg", str(path), "-o", str(path.with_suffix(".svg"))],
                                   check=True, capture_output=True, timeout=12 * limit)
                    times[name, view] = time.perf_counter() - start
                except subprocess.TimeoutExpired:
                    times[name, view] = float("inf")
                if times[name, view] > limit / 5:
                    rows.append(f"| {name} | {view} | {times[name, view]:.2f} s |")
                    print(rows[-1], flush=True)
    over = sorted((k for k, t in times.items() if t > limit), key=times.__getitem__, reverse=True)
    slowest = max(times, key=times.__getitem__)
    rows += ["", f"{len(times)} DOT files laid out (those over {limit / 5:.0f} s listed); slowest "
                 f"{times[slowest]:.2f} s ({slowest[0]}, {slowest[1]}); {len(over)} over {limit:.0f} s"
                 + (": " + ", ".join(f"{n} ({v})" for n, v in over) if over else "") + "."]
    print("\n".join(rows[-2:]), flush=True)
    SUMMARY.append(f"dot on every DOT we write: slowest {times[slowest]:.2f} s, {len(over)} of {len(times)} over "
                   f"{limit:.0f} s (target: none)")
    return rows


def main(argv: Sequence[str] = ()) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 repeats instead of 7 (5 for processes)")
    parser.add_argument("--graphs", action="store_true", help="only the random functional graphs")
    parser.add_argument("--loops", action="store_true", help="only the models built with Python loops")
    parser.add_argument("--depth", action="store_true", help="only the deep stacks of 20, 200 and 500 layers")
    parser.add_argument("--published", action="store_true", help="only the published models of the tests")
    parser.add_argument("--process", action="store_true",
                        help="only the whole process: rnndiagram export against plot_model and the import floor")
    parser.add_argument("--dot", action="store_true",
                        help="only Graphviz's dot on the DOT of every view of every example and published model")
    args = parser.parse_args(argv or sys.argv[1:])
    process_repeats, repeats = (3, 3) if args.quick else (5, 7)
    from rnndiagram.errors import RnnDiagramWarning

    warnings.simplefilter("ignore", RnnDiagramWarning)  # a drawing over the budget: its size is in the tables

    print(f"Machine: {machine()}\n", flush=True)
    if args.graphs:
        print("Scaling: random functional graphs (target: about linear in the layers)")
        graph_scaling(repeats)
        return
    if args.loops:
        print("Models built with Python loops (targets: dot at most 5 s, at most 1,600 x 3,000 px)")
        loop_models(repeats)
        return
    if args.depth:
        print("Depth (targets: at most 3,000 px tall; ratio at least 1x)")
        depth(repeats)
        return
    if args.published:
        print("Published models (target: ratio at least 1x on every one)")
        published(repeats)
        return
    if args.dot:
        print(f"Graphviz on our DOT (target: at most {DOT_LIMIT:.0f} s each)")
        dot_layouts()
        return
    import keras

    from rnndiagram import examples

    models = {"seed_stacked": examples.build("seed_stacked"),
              "char_seq2seq": examples.build("char_seq2seq"),
              "lstm_stack_20": lstm_stack(keras, 20, 50)}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print("Whole process, from a saved .keras file to an SVG (targets: ratio >= 40x; at most x1.5 the "
              "import floor)")
        whole_process(models, folder, process_repeats)
        if args.process:
            return
        print("\nIn process, model already built (target: ratio >= 50x)")
        in_process(models, folder, repeats)
    print("\nScaling: rnndiagram.diagram(model).to_svg() (target: flat in T, at most linear in layers)")
    scaling(repeats)
    print("\nScaling: random functional graphs (target: about linear in the layers)")
    graph_scaling(max(3, repeats // 2))
    print("\nModels built with Python loops (targets: dot at most 5 s, at most 1,600 x 3,000 px)")
    loop_models(repeats)
    print("\nDepth (targets: at most 3,000 px tall; ratio at least 1x)")
    depth(repeats)
    print("\nPublished models (target: ratio at least 1x on every one)")
    published(repeats)
    print(f"\nGraphviz on our DOT (target: at most {DOT_LIMIT:.0f} s each)")
    dot_layouts()
    print("\nSummary, measured in this run on " + machine().split(";")[0] + ":")
    print("\n".join(f"- {line}" for line in SUMMARY), flush=True)


if __name__ == "__main__":
    main()
