"""`mnist-pad`: launch the drawing pad, or classify picture files from the command line."""
from __future__ import annotations

import argparse
import os
import sys


def main(argv: list[str] | None = None) -> int:
    """Entry point of `mnist-pad` and `python -m mnist_pad`."""
    parser = argparse.ArgumentParser(prog="mnist-pad", description=__doc__)
    commands = parser.add_subparsers(dest="command")
    predict = commands.add_parser("predict", help="print the digit, ten calibrated probabilities and the reading (the digit, \"unsure: 4 or 9?\" or \"doesn't look like a digit\") for each image")
    predict.add_argument("images", nargs="+", metavar="IMAGE")
    predict.add_argument("--model", default=None, help="robust (default), plain, or a checkpoint file")
    gui = commands.add_parser("gui", help="open the drawing pad (the default)")
    gui.add_argument("--model", default=None, help="robust (default), plain, or a checkpoint file")
    args = parser.parse_args(argv)
    if args.command == "predict":
        try:
            return predict_files(args.images, args.model)
        except BrokenPipeError:
            # The reader left (`| head`): stop quietly, and keep Python from failing again on exit's flush.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
    from .ui.app import main as gui_main

    return gui_main(["--model", args.model] if getattr(args, "model", None) else [])


def predict_files(files: list[str], model: str | None) -> int:
    """Classify each file; unreadable ones are reported and the rest still processed."""
    from .checkpoint import CheckpointError
    from .images import ImageError, read_gray
    from .nondigit import DetectorError
    from .picture import PictureError
    from .recognizer import Recognizer

    try:
        recognizer = Recognizer.load(model)
    except (CheckpointError, ValueError) as error:
        print(f"mnist-pad: cannot load the model: {error}", file=sys.stderr)
        return 2
    failures = 0
    print("file\tdigit\tconfidence\t" + "\t".join(f"p{d}" for d in range(10)) + "\treading")
    for name in files:
        try:
            reading = recognizer.read_image(read_gray(name))
        except ImageError as error:
            print(f"mnist-pad: {error}", file=sys.stderr)
            failures += 1
            continue
        except PictureError as error:
            print(f"mnist-pad: {name}: {error}", file=sys.stderr)
            failures += 1
            continue
        except DetectorError as error:
            print(f"mnist-pad: {error}", file=sys.stderr)
            return 2
        cell = tsv_field(name)
        if reading.empty:
            print(f"{cell}\t-\tno digit found (blank picture)\t" + "\t".join("0.000" for _ in range(10)) + "\t-")
            continue
        digit = int(reading.probabilities.argmax())
        cells = "\t".join(f"{p:.3f}" for p in reading.probabilities)
        print(f"{cell}\t{digit}\t{reading.confidence:.3f}\t{cells}\t{reading.text}")
    return 1 if failures else 0


def tsv_field(text: str) -> str:
    """Text safe in one TSV cell: backslash, tab, newline and carriage return escaped (a file name may hold any)."""
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


if __name__ == "__main__":
    sys.exit(main())
