"""`mnist-pad predict --number`: read each picture as a number and print it with its digits."""
from __future__ import annotations

import sys


def read_number_files(files: list[str], model: str | None) -> int:
    """Print each file's number, then every digit with its confidence; unreadable files are reported."""
    from .cli import load_recognizer, tsv_field
    from .images import ImageError
    from .picture import PictureError, read_file
    from .saved_drawing import KEY, readable

    recognizer = load_recognizer(model)
    if recognizer is None:
        return 2
    failures = 0
    print("file\tnumber\tbest guess\tdigits (digit:confidence)")
    for name in files:
        try:
            gray, text = read_file(name, KEY)
            drawing = readable(text)  # saved by the app: its strokes are read, as Number mode reads them
            reading = (recognizer.read_number(drawing.strokes, drawing.brush_width, drawing.canvas) if drawing
                       else recognizer.read_picture_number(gray))
        except ImageError as error:
            print(f"mnist-pad: {error}", file=sys.stderr)
            failures += 1
            continue
        except PictureError as error:
            print(f"mnist-pad: {name}: {error}", file=sys.stderr)
            failures += 1
            continue
        name = tsv_field(name)
        if not reading.digits:
            print(f"{name}\t-\t-\tno digits found (blank picture)")
            continue
        digits = " ".join(f"{d.digit}:{d.confidence:.3f}" + (" (not a digit)" if d.not_a_digit else "") for d in reading.digits)
        number = "doesn't look like a number" if reading.not_a_number else reading.text
        print(f"{name}\t{number}\t{reading.best_guess}\t{digits}")
    return 1 if failures else 0
