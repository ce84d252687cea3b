"""`python -m mnist_pad.bench` (`make bench`): every speed and memory figure, printed.

The benchmark driver: it sits above the core and the UI (see the import contracts in
pyproject.toml) and is the one module of the package that may use both. Figures come from here,
never from timed tests. Sections: recognition latency (core, ONNX Runtime), a slow mouse's dense
strokes as given and as the canvas keeps them, how close a sweep's
images come to the exact ones (real pen digits), the "why" views
(attribution map, stroke effects, MNIST likeness, Match MNIST), the reference (the seed tutorials'
pipeline and the same model in PyTorch, measured in a separate process so no figure of this one
carries torch), the command line (`mnist-pad predict` on 700 picture files and on one photo, each a
fresh process), the GUI (start-up, event-loop stalls, memory), and training throughput (a real
`--time-budget` run on MNIST). Latencies are also given
as ratios to the tutorials' pipeline measured in the same run, so machines can be compared.
Each section prints as it finishes; `--json` adds one JSON line.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from . import pendigits
from .machine import cpu_name
from .raster import CANVAS_SIZE

WHY_WIDTH = 16.0  # the brush of the why views' drawing
LARGE_WINDOW = (1900, 1040)  # the GUI figures are also taken in a window this size: its canvas is ~800 px


def machine() -> str:
    """A one-line description of the machine the figures come from."""
    import onnxruntime

    return f"{cpu_name()}, {os.cpu_count()} cores, Python {platform.python_version()}, onnxruntime {onnxruntime.__version__}"


def forty_point_drawing(canvas_size: int = CANVAS_SIZE) -> list[list[tuple[float, float]]]:
    """A '2'-like drawing of 40 points, as a person would draw it on the pad."""
    t = np.linspace(0, 1, 40)
    x = 80 + 120 * t + 30 * np.sin(6 * t)
    y = 60 + 160 * t ** 0.7 + 20 * np.cos(9 * t)
    return [list(zip(x * canvas_size / CANVAS_SIZE, y * canvas_size / CANVAS_SIZE))]


def _timed(function, repeats: int) -> dict[str, float]:
    for _ in range(max(5, repeats // 20)):  # warm-up, as the torch side does in training/bench_reference.py
        function()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return _percentiles(samples)


def _percentiles(samples: list[float]) -> dict[str, float]:
    values = np.asarray(samples) * 1e3
    return {"p50_ms": float(np.percentile(values, 50)), "p99_ms": float(np.percentile(values, 99))}


def bench_recognizer(model: str | None = None, repeats: int = 2000) -> dict[str, float]:
    """predict_strokes p50/p99 on a 40-point drawing and sweep over 16 widths p50."""
    from .recognizer import Recognizer

    recognizer = Recognizer.load(model)
    strokes = forty_point_drawing()
    widths = list(np.geomspace(3, 50, 16))
    for _ in range(50):
        recognizer.predict_strokes(strokes, 12.0, CANVAS_SIZE)
        recognizer.sweep(strokes, widths, CANVAS_SIZE)
    single = []
    for _ in range(repeats):
        start = time.perf_counter()
        recognizer.predict_strokes(strokes, 12.0, CANVAS_SIZE)
        single.append(time.perf_counter() - start)
    sweeps = []
    for _ in range(max(50, repeats // 10)):
        start = time.perf_counter()
        recognizer.sweep(strokes, widths, CANVAS_SIZE)
        sweeps.append(time.perf_counter() - start)
    figures = {f"predict_strokes_{k}": v for k, v in _percentiles(single).items()}
    figures["sweep16_p50_ms"] = _percentiles(sweeps)["p50_ms"]
    return figures


def mouse_pixels(path: np.ndarray) -> np.ndarray:
    """The screen pixels (M, 2) a mouse moved slowly along `path` (N, 2) (screen coordinates) reports, one
    by one: a point every pixel of the way, none the same as the one before."""
    steps = np.concatenate([[0], np.cumsum(np.hypot(*np.diff(path, axis=0).T))])
    along = np.arange(0, steps[-1], 1.0)
    pixels = np.round(np.stack([np.interp(along, steps, path[:, 0]), np.interp(along, steps, path[:, 1])], axis=1))
    return pixels[np.concatenate([[True], (np.diff(pixels, axis=0) != 0).any(axis=1)])]


def bench_slow_mouse(model: str | None = None, repeats: int = 50, screen_scale: float = 800 / CANVAS_SIZE) -> dict[str, float]:
    """A digit drawn by a slow mouse on the large window's ~800 px canvas: the bench's '2' at a point every
    screen pixel. Its points as the mouse gives them and as the canvas keeps them (Drawing.add_point within
    a screen pixel, as mnist_pad.ui.canvas does), and one prediction of each at a thin and a wide brush."""
    from .drawing import SCREEN_TOLERANCE, Drawing
    from .recognizer import Recognizer

    recognizer = Recognizer.load(model)
    given = mouse_pixels(np.asarray(forty_point_drawing()[0]) * screen_scale) / screen_scale
    drawing = Drawing()
    drawing.begin_stroke(*given[0])
    for point in given[1:]:
        drawing.add_point(*point, SCREEN_TOLERANCE / screen_scale)
    drawing.end_stroke()
    figures = {"points_given": len(given), "points_kept": len(drawing.strokes[0])}
    for width in (4.0, 40.0):
        for name, strokes in (("given", [given]), ("kept", drawing.strokes)):
            figures[f"predict_{width:g}px_{name}_p50_ms"] = _timed(
                lambda: recognizer.predict_strokes(strokes, width, CANVAS_SIZE), repeats)["p50_ms"]
        as_given, as_kept = (recognizer.predict_strokes(s, width, CANVAS_SIZE) for s in ([given], drawing.strokes))
        figures[f"abs_dp_{width:g}px"] = float(np.abs(as_given - as_kept).max())
    return figures


def sweep_fidelity(data_dir: str, model: str | None = None, every: int = 25) -> dict[str, float]:
    """How close a sweep's images (mnist_pad.width_sweep) come to the exact ones predictions see, on real pen
    digits (every `every`-th) at the 16 widths: grey levels apart, answers the same; and, as a yardstick,
    how far the exact images themselves move when the drawing moves by a third of a pixel."""
    from .recognizer import Recognizer, prepare_strokes

    recognizer = Recognizer.load(model)
    widths = list(np.geomspace(3, 50, 16))
    apart, moved, same, same_moved, largest = [], [], [], [], []
    for digit in pendigits.load(pendigits.file_in(data_dir))[::every]:
        strokes = digit.fitted()
        exact = [prepare_strokes(strokes, w, CANVAS_SIZE) for w in widths]
        nudged = [prepare_strokes([s + 1 / 3 for s in strokes], w, CANVAS_SIZE) for w in widths]
        sweep = recognizer.prepare_sweep(strokes, widths, CANVAS_SIZE)
        truth, ours, theirs = (recognizer.predict_inputs(images) for images in (exact, sweep, nudged))
        for images, distances in ((sweep, apart), (nudged, moved)):
            distances.extend(np.abs(a.image.astype(int) - b.image).mean() for a, b in zip(images, exact))
        same.extend(ours.argmax(axis=1) == truth.argmax(axis=1))
        same_moved.extend(theirs.argmax(axis=1) == truth.argmax(axis=1))
        largest.extend(np.abs(ours - truth).max(axis=1))
    return {"images": len(apart), "sweep_grey_levels_apart_mean": float(np.mean(apart)),
            "sweep_same_answer_percent": 100 * float(np.mean(same)),
            "sweep_abs_dp_p95": float(np.percentile(largest, 95)), "sweep_abs_dp_max": float(np.max(largest)),
            "moved_third_px_grey_levels_mean": float(np.mean(moved)),
            "moved_third_px_same_answer_percent": 100 * float(np.mean(same_moved))}


def bench_why(model: str | None = None, repeats: int = 200) -> dict[str, float]:
    """p50/p99 of the why views as the inference worker computes them after each shown prediction:
    occlusion map, stroke effects (3 strokes), likeness measures and Match MNIST over 25 widths."""
    from . import attribution, morphometry
    from .recognizer import Recognizer
    from .ui.serving import WORKER_THREADS

    recognizer = Recognizer.load(model, threads=WORKER_THREADS)  # as the app's worker runs it
    curve = forty_point_drawing()[0]
    strokes = [curve[:20], curve[19:], [(90.0, 150.0), (190.0, 150.0)]]
    widths = np.arange(2, 51, 2, dtype=float)

    def occlusion():
        attribution.occlusion(recognizer.prepare_strokes(strokes, WHY_WIDTH, CANVAS_SIZE), recognizer.predict_mnist)

    def likeness():
        morphometry.measure(recognizer.prepare_strokes(strokes, WHY_WIDTH, CANVAS_SIZE).image)

    figures = {}
    for name, function, count in (
            ("why_occlusion", occlusion, repeats),
            ("why_stroke_effects_3", lambda: attribution.stroke_effects(strokes, WHY_WIDTH, CANVAS_SIZE,
                                                                        recognizer.predict_mnist), repeats),
            ("why_likeness", likeness, repeats),
            ("why_match_mnist_25_widths", lambda: morphometry.match_mnist_width(strokes, CANVAS_SIZE, widths),
             max(10, repeats // 10))):
        figures.update({f"{name}_{key}": value for key, value in _timed(function, count).items()})
    return figures


def bench_engines(model: str | None, repeats: int = 1000, rounds: int = 15) -> dict[str, float]:
    """ONNX Runtime here vs PyTorch in its own process: forward at batch 1 and 16 (ONNX Runtime also on
    one thread, as PyTorch there), import and load, memory.

    Then `rounds` alternating rounds of predict_strokes and the 16-width sweep (also on one thread) here against the
    tutorials' pipeline there: each ratio is taken within a round, and the median over rounds given
    with its range (this machine's speed drifts by more than a goal's margin within a minute).
    """
    import onnxruntime as ort

    from . import engine, paths
    from .recognizer import Recognizer

    spec = model or paths.DEFAULT_MODEL
    strokes = forty_point_drawing()
    command = [sys.executable, "-m", "training.bench_reference", "--model", spec, "--repeats", str(repeats),
               "--strokes", json.dumps([[list(p) for p in s] for s in strokes]), "--serve"]
    reference = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        figures = {k: v for k, v in json.loads(reference.stdout.readline() or "{}").items() if isinstance(v, float)}
        if "tutorial_pipeline_p50_ms" not in figures:
            raise RuntimeError(f"the PyTorch reference failed: {reference.communicate(timeout=60)[1].strip()[-500:]}")
        recognizer = Recognizer.load(model)
        one_thread = Recognizer.load(model, threads=1)  # as on a one-core machine
        for batch in (1, 16):
            images = np.random.default_rng(0).random((batch, 1, 28, 28), np.float32)
            figures[f"onnx_forward_batch{batch}_p50_ms"] = _timed(lambda: engine.run(recognizer.session, images),
                                                                  repeats)["p50_ms"]
            figures[f"onnx_forward_batch{batch}_one_thread_p50_ms"] = _timed(
                lambda: engine.run(one_thread.session, images), repeats)["p50_ms"]
        widths = list(np.geomspace(3, 50, 16))
        paired: dict[str, list[float]] = {"predict_strokes": [], "sweep16": [], "sweep16_one_thread": []}
        for _ in range(rounds):
            ours = {"predict_strokes": _timed(lambda: recognizer.predict_strokes(strokes, 12.0, CANVAS_SIZE), 300),
                    "sweep16": _timed(lambda: recognizer.sweep(strokes, widths, CANVAS_SIZE), 40),
                    "sweep16_one_thread": _timed(lambda: one_thread.sweep(strokes, widths, CANVAS_SIZE), 40)}
            reference.stdin.write("300\n")
            reference.stdin.flush()
            answer = reference.stdout.readline()
            if not answer:
                raise RuntimeError(f"the PyTorch reference stopped: {reference.communicate(timeout=60)[1].strip()[-500:]}")
            theirs = float(answer)
            for name, timing in ours.items():
                paired[name].append(timing["p50_ms"] / theirs)
    finally:
        reference.stdin.close()
        reference.wait(timeout=60)
    for name, values in paired.items():
        figures[f"{name}_p50_x_tutorial_paired"] = float(np.median(values))
        figures[f"{name}_p50_x_tutorial_paired_range"] = f"{min(values):.2f}-{max(values):.2f} over {rounds} rounds"
    probe = subprocess.run([sys.executable, "-c", ONNX_LOAD_PROBE, spec], capture_output=True, text=True, timeout=120)
    figures.update({k: float(v) for k, v in json.loads(probe.stdout or "{}").items()})
    figures["onnxruntime_version"] = ort.__version__
    for batch in (1, 16):  # both on one thread
        figures[f"forward_batch{batch}_torch_over_onnx"] = (figures[f"torch_forward_batch{batch}_p50_ms"]
                                                             / figures[f"onnx_forward_batch{batch}_one_thread_p50_ms"])
    return figures


ONNX_LOAD_PROBE = """
import json, resource, sys, time
start = time.perf_counter()
from mnist_pad.recognizer import Recognizer
Recognizer.load(sys.argv[1]).predict_mnist(__import__("numpy").zeros((1, 28, 28), "uint8"))
print(json.dumps({"onnx_import_and_load_s": time.perf_counter() - start,
                  "onnx_process_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


# *_ms figures that are no latency: what filled the longest stall, and what the hypervisor took
NOT_LATENCIES = ("_ui_working", "_waiting_for_core", "_stolen", "ui_turn_")


def ratios(figures: dict, reference_ms: float) -> dict[str, float]:
    """Each latency (a *_ms figure) divided by the tutorials' pipeline measured in the same run."""
    return {f"{name[:-3]}_x_tutorial": value / reference_ms for name, value in figures.items()
            if name.endswith("_ms") and isinstance(value, (int, float)) and "tutorial" not in name
            and not name.startswith(("torch_", "onnx_", "event_interval"))
            and not any(part in name for part in NOT_LATENCIES)}


def bench_training(data_dir: str, budget: float = 60) -> dict[str, float]:
    """Training figures idle and with one core kept busy (`python -m training.bench_training`).

    Run as its own process: the app's modules never import training (nor torch).
    """
    command = [sys.executable, "-m", "training.bench_training", "--data-dir", data_dir, "--budget", f"{budget:g}",
               "--json"]
    process = subprocess.run(command, capture_output=True, text=True)
    lines = process.stdout.strip().splitlines()
    if process.returncode != 0 or not lines:
        raise RuntimeError(f"the training benchmark failed: {process.stderr.strip()[-500:]}")
    return json.loads(lines[-1])


def bench_command_line(data_dir: str, model: str | None, count: int = 700, single_runs: int = 3) -> dict:
    """`mnist-pad predict` as a user runs it, each run a fresh process: on `count` picture files at once and
    on one photo. The pictures are written by `python -m training.timing_pictures` in a process of its own
    (the app's package never imports training): conditions of paper and light, JPEG photos among them."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="mnist-pad-bench-") as folder:
        command = [sys.executable, "-m", "training.timing_pictures", folder, "--count", str(count), "--data-dir", data_dir]
        written = subprocess.run(command, capture_output=True, text=True)
        if written.returncode != 0:
            raise RuntimeError(f"the timing pictures could not be written: {written.stderr.strip()[-500:]}")
        files = sorted(str(path) for path in Path(folder).iterdir())
        photo = next((name for name in files if "_tilted_sheet_" in name), files[0])  # a 2016x1512 phone JPEG

        def predict(names: list[str]) -> tuple[float, int]:
            started = time.perf_counter()
            run = subprocess.run([sys.executable, "-m", "mnist_pad", "predict", *names,
                                  *(["--model", model] if model else [])], capture_output=True, text=True)
            elapsed = time.perf_counter() - started
            rows = len(run.stdout.splitlines()) - 1  # less the header
            if run.returncode not in (0, 1) or rows < 1:  # 1: some files unreadable, the others read
                raise RuntimeError(f"mnist-pad predict failed: {run.stderr.strip()[-500:]}")
            return elapsed, rows

        many_s, rows = predict(files)
        one = [predict([photo])[0] for _ in range(single_runs)]
    return {"predict_files": len(files), "predict_rows_printed": rows, "predict_all_files_s": round(many_s, 2),
            "predict_one_photo_s": round(float(np.median(one)), 3), "predict_one_photo_slowest_s": round(max(one), 3)}


def gui_while_training(data_dir: str, model: str | None) -> dict[str, float]:
    """The GUI drawing benchmark while Model → Retrain… runs (60 s, the dialog's defaults), and its result."""
    from .ui.bench import measure_gui

    figures = measure_gui(model=model, startup=False, retrain_data_dir=data_dir)
    return {(k if k.startswith("retrain") else f"{k}_while_training"): v
            for k, v in figures.items() if isinstance(v, float)}


def main(argv: list[str] | None = None) -> int:
    """Print every figure; sections can be skipped for a quick look."""
    parser = argparse.ArgumentParser(prog="python -m mnist_pad.bench", description=__doc__)
    parser.add_argument("--model", default=None, help="robust (default), plain, or a checkpoint file")
    parser.add_argument("--data-dir", default=str(Path(__file__).resolve().parents[1].parent / "shared" / "data"))
    parser.add_argument("--skip", nargs="*", default=[], choices=["sweep", "why", "cli", "gui", "training"],
                        help="sections to leave out")
    parser.add_argument("--train-budget", type=float, default=60.0, metavar="SECONDS",
                        help="time budget of the real training runs (default 60)")
    parser.add_argument("--json", action="store_true", help="also print all figures as one JSON line")
    args = parser.parse_args(argv)

    print(f"machine: {machine()}")
    figures = bench_recognizer(args.model)
    _print(f"recognition (ONNX Runtime, {_threads()})", figures)
    slow = bench_slow_mouse(args.model)
    _print("a slow mouse's digit: its points as given and as the canvas keeps them, and a prediction of each", slow)
    figures.update({f"slow_mouse_{name}": value for name, value in slow.items()})
    if "sweep" not in args.skip and pendigits.file_in(args.data_dir).exists():
        _print("sweep images against the exact ones (real pen digits, 16 widths)", sweep_fidelity(args.data_dir, args.model))
    elif "sweep" not in args.skip:
        print(f"[sweep images: skipped, no pen digits at {pendigits.file_in(args.data_dir)}]")
    if "why" not in args.skip:
        why = bench_why(args.model)
        _print("why views (ONNX Runtime, as the app's worker runs them)", why)
        figures.update(why)
    engines = bench_engines(args.model)
    _print("reference: the seed tutorials' pipeline, and PyTorch vs ONNX Runtime (torch in its own process)", engines)
    figures.update(engines)
    reference_ms = engines["tutorial_pipeline_p50_ms"]
    _print("recognition / tutorials' pipeline", ratios(figures, reference_ms))
    if "cli" not in args.skip and pendigits.file_in(args.data_dir).exists():
        cli = bench_command_line(args.data_dir, args.model)
        _print(f"command line: mnist-pad predict on {cli['predict_files']} picture files, and on one photo (fresh processes)", cli)
        figures.update(cli)
    elif "cli" not in args.skip:
        print(f"[command line: skipped, no pen digits at {pendigits.file_in(args.data_dir)}]")
    if "gui" not in args.skip:
        from .ui.bench import measure_gui

        gui = measure_gui(model=args.model)
        _print("gui", gui)
        _print("gui / tutorials' pipeline", ratios(gui, reference_ms))
        figures.update(gui)
        why = measure_gui(model=args.model, startup=False, show_why=True)
        _print("gui with View → Show why on", why)
        figures.update({f"{name}_showing_why": value for name, value in why.items() if isinstance(value, (int, float))})
        large = measure_gui(model=args.model, startup=False, show_why=True, window_size=LARGE_WINDOW)
        _print("gui with View → Show why on, in a large window (a maximised one on a 1920x1080 screen)", large)
        figures.update({f"{name}_showing_why_large": value for name, value in large.items()
                        if isinstance(value, (int, float))})
        if "training" not in args.skip:
            busy = gui_while_training(args.data_dir, args.model)
            _print("gui while a retraining runs", busy)
            figures.update(busy)
    if "training" not in args.skip:
        training = bench_training(args.data_dir, args.train_budget)
        _print(f"training: idle and with one core kept busy (--time-budget {args.train_budget:g})", training)
        figures.update({f"train_{name}": value for name, value in training.items()})
    figures.update(ratios(figures, reference_ms))
    if args.json:
        print(json.dumps(figures))
    return 0


def _threads() -> str:
    """The ONNX Runtime threads a Recognizer gets here by default, in words."""
    from .engine import default_threads

    return "one thread" if default_threads() == 1 else f"{default_threads()} threads"


def _print(section: str, figures: dict[str, float]) -> None:
    print(f"[{section}]")
    for name, value in figures.items():
        print(f"  {name:32s} {value:10.3f}" if isinstance(value, float) else f"  {name:32s} {value}")


if __name__ == "__main__":
    sys.exit(main())
