"""`mnist-pad`: launch the drawing pad, or classify picture files from the command line."""
from __future__ import annotations

import argparse
import multiprocessing
import os
import signal
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import islice
from typing import Iterator

from .machine import usable_cores


def main(argv: list[str] | None = None) -> int:
    """Entry point of `mnist-pad` and `python -m mnist_pad`."""
    parser = argparse.ArgumentParser(prog="mnist-pad", description=__doc__)
    commands = parser.add_subparsers(dest="command")
    predict = commands.add_parser("predict", help="print the digit, ten calibrated probabilities and the reading (the digit, \"unsure: 4 or 9?\" or \"doesn't look like a digit\") for each image")
    predict.add_argument("images", nargs="+", metavar="IMAGE")
    predict.add_argument("--model", default=None, help="robust (default), plain, or a checkpoint file")
    predict.add_argument("--number", action="store_true",
                         help="read each picture as a number of several digits ('?' marks an unsure digit)")
    gui = commands.add_parser("gui", help="open the drawing pad (the default)")
    gui.add_argument("--model", default=None, help="robust (default), plain, or a checkpoint file")
    args = parser.parse_args(argv)
    if args.command == "predict":
        try:
            if args.number:
                from .number_cli import read_number_files

                return read_number_files(args.images, args.model)
            return predict_files(args.images, args.model)
        except KeyboardInterrupt:
            print("mnist-pad: stopped (Ctrl-C); the rows above are complete", file=sys.stderr)
            return 130
        except BrokenPipeError:
            # The reader left (`| head`): stop quietly, and keep Python from failing again on exit's flush.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
    from .ui.app import main as gui_main

    return gui_main(["--model", args.model] if getattr(args, "model", None) else [])


BATCH = 256  # files decoded, prepared and predicted together: bounded memory, one network call each
# From this many files on, pictures are decoded and prepared in worker processes, one a core: the
# preparation is many small NumPy/OpenCV steps that threads would run mostly one at a time (the GIL).
# Fewer files are read here, where starting workers would cost more than they save.
PARALLEL_FROM = 24
MAX_WORKERS = 8


def load_recognizer(model: str | None):
    """The Recognizer for `model`, converting an older checkpoint first; None (after a message) if it cannot load."""
    from .engine import ConversionNeeded, ModelError
    from .recognizer import Recognizer

    try:
        try:
            return Recognizer.load(model)
        except ConversionNeeded as need:
            convert(need)
            return Recognizer.load(model)
    except (ModelError, ValueError) as error:
        print(f"mnist-pad: cannot load the model: {error}", file=sys.stderr)
        return None


def predict_files(files: list[str], model: str | None) -> int:
    """Classify each file, in batches; unreadable ones are reported and the rest still processed."""
    recognizer = load_recognizer(model)
    if recognizer is None:
        return 2
    from .nondigit import DetectorError

    failures = 0
    no_digit: list[str] = []
    print("file\tdigit\tconfidence\t" + "\t".join(f"p{d}" for d in range(10)) + "\treading")
    pictures = prepared_pictures(files)
    try:
        for start in range(0, len(files), BATCH):
            names = files[start:start + BATCH]
            prepared = list(islice(pictures, len(names)))
            readable = [item for item in prepared if not isinstance(item, str)]
            try:
                readings = iter(recognizer.read_inputs(readable))
            except DetectorError as error:
                print(f"mnist-pad: {error}", file=sys.stderr)
                return 2
            for name, item in zip(names, prepared):
                if isinstance(item, str):
                    print(f"mnist-pad: {item}", file=sys.stderr)
                    failures += 1
                    continue
                reading = next(readings)
                _print_row(name, reading)
                if reading.not_a_digit:
                    no_digit.append(name)
    except BrokenProcessPool:
        print("mnist-pad: a process reading the pictures died (out of memory?); the files after the last row "
              "printed were not read", file=sys.stderr)
        return 2
    finally:
        pictures.close()  # stops the workers, also on Ctrl-C
    _say_which_hold_numbers(recognizer, no_digit, len(files))
    return 1 if failures else 0


def _say_which_hold_numbers(recognizer, names: list[str], total: int) -> None:
    """After the rows: which pictures read as no digit hold several digits, close together (they reach
    the one-digit reading as one blob), and what they read as a number. Only for fewer than PARALLEL_FROM
    files: the number reading takes ~40 ms a picture, in this process (10% more time over the 680 timing
    pictures); for more, one line names --number."""
    if not names:
        return
    if total >= PARALLEL_FROM:
        print(f"mnist-pad: {len(names)} of the pictures don't look like a digit; a picture of several digits "
              "close together reads as a number with --number", file=sys.stderr)
        return
    for name in names:
        message = _touching_digits(recognizer, name)
        if message:
            print(f"mnist-pad: {message}", file=sys.stderr)


def prepared_pictures(files: list[str]) -> Iterator:
    """prepare_file's result for each file, in order: in worker processes, one a core, for many files."""
    cores = usable_cores()
    if min(cores, MAX_WORKERS) < 2 or len(files) < PARALLEL_FROM or sys.platform != "linux":
        yield from map(prepare_file, files)
        return
    # Forked workers start at once, with this process's modules already imported (multiprocessing
    # flushes what was printed before forking, so no worker prints it again).
    pool = ProcessPoolExecutor(min(cores, MAX_WORKERS), mp_context=multiprocessing.get_context("fork"),
                               initializer=_leave_ctrl_c_to_parent)
    try:
        yield from pool.map(prepare_file, files, chunksize=4)
    finally:
        pool.shutdown(cancel_futures=True)


def _leave_ctrl_c_to_parent() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent stops the pool


def prepare_file(name: str):
    """The model's input (MnistInput) for one picture file, or the message saying why it cannot be read."""
    from .images import ImageError
    from .picture import PictureError, SeveralDigitsError, read_file
    from .recognizer import prepare_picture, prepare_strokes
    from .saved_drawing import KEY, readable

    try:
        gray, text = read_file(name, KEY)
        drawing = readable(text)
        if drawing is not None and not drawing.wide:  # saved by the app: read its strokes, as the app does
            return prepare_strokes(drawing.strokes, drawing.brush_width, max(drawing.canvas))
        return prepare_picture(gray)
    except ImageError as error:
        return str(error)
    except SeveralDigitsError as error:
        return f"{name}: {error}, or read it as a number with --number"
    except PictureError as error:
        return f"{name}: {error}"


def _touching_digits(recognizer, name: str) -> str | None:
    """For a picture read as no digit: the message saying it holds digits close together or touching
    (which reach the one-digit reading as one blob), with what they read as; None when it does not."""
    from .images import ImageError
    from .picture import read_file

    try:
        number = recognizer.touching_digits(read_file(name)[0])
    except (ImageError, ValueError):  # changed since it was read, or no number in it: keep the reading
        return None
    if number is None:
        return None
    return (f"{name}: the picture holds several digits, close together: as a number it reads {number.text} "
            "(read it as a number with --number, or crop it to one digit)")


def convert(need) -> None:
    """Make a checkpoint's ONNX form in a separate process (torch stays out of this one); ModelError if refused."""
    from .engine import ModelError

    print(f"mnist-pad: converting {need.checkpoint} for ONNX Runtime (once per file)…", file=sys.stderr)
    command = [sys.executable, "-m", "training.export", str(need.checkpoint), "--out", str(need.target)]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise ModelError(need.checkpoint, (result.stderr.strip().splitlines() or ["the conversion failed"])[-1]
                         .removeprefix(f"{need.checkpoint}: "))


def _print_row(name: str, reading) -> None:
    name = tsv_field(name)
    if reading.empty:
        print(f"{name}\t-\tno digit found (blank picture)\t" + "\t".join("0.000" for _ in range(10)) + "\t-")
        return
    digit = int(reading.probabilities.argmax())
    cells = "\t".join(f"{p:.3f}" for p in reading.probabilities)
    print(f"{name}\t{digit}\t{reading.confidence:.3f}\t{cells}\t{reading.text}")


def tsv_field(text: str) -> str:
    """Text safe in one TSV cell: backslash, tab, newline and carriage return escaped (a file name may hold any)."""
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


if __name__ == "__main__":
    sys.exit(main())
