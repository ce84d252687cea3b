"""Start the drawing pad: check for a display, show the window at once, load the model behind it.

The model runs in ONNX Runtime in the inference worker; torch never enters this process.
"""
from __future__ import annotations

import argparse
import gc
import os
import re
import sys
from pathlib import Path

HEADLESS_PLATFORMS = ("offscreen", "minimal", "vnc", "eglfs", "linuxfb")
X11_PACKAGES = ("libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1", "libxcb-image0", "libxcb-render-util0",
                "libxcb-shape0", "libxcb-randr0", "libxcb-xkb1", "libxkbcommon-x11-0")


def display_problem() -> str | None:
    """One line saying why no window can be shown here, or None when a display is available."""
    if not sys.platform.startswith("linux"):
        return None
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform.split(":")[0] in HEADLESS_PLATFORMS or os.environ.get("WAYLAND_DISPLAY"):
        return None
    if not os.environ.get("DISPLAY"):
        return ("mnist-pad: no display found (neither DISPLAY nor WAYLAND_DISPLAY is set); "
                "on a server run it under Xvfb: xvfb-run mnist-pad (from a checkout: xvfb-run make run)")
    if platform in ("", "xcb"):
        missing = missing_x11_library()
        if missing:
            return (f"mnist-pad: Qt cannot open a window on X11: the system library {missing} is missing. "
                    f"On Debian or Ubuntu: sudo apt-get install {' '.join(X11_PACKAGES)}")
    return None


def missing_x11_library(plugin: Path | None = None) -> str | None:
    """The first system library Qt's X11 plugin needs and cannot find, or None when all are there.

    Without this check Qt aborts with a screenful of plugin messages; minimal Linux installs lack
    some of the xcb libraries (and libxcb-cursor, which Qt 6.5+ loads at run time).
    """
    import ctypes
    import ctypes.util

    if plugin is None:
        import PySide6

        plugin = Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    if not plugin.exists():
        return None  # a Qt build without the plugin: let Qt say what it can do
    try:
        ctypes.CDLL(str(plugin))
    except OSError as error:
        found = re.search(r"(lib[\w.+-]+\.so[\w.]*): cannot open shared object file", str(error))
        return found.group(1) if found else str(error)
    return None if ctypes.util.find_library("xcb-cursor") else "libxcb-cursor.so.0"


def prepare_qt() -> None:
    """Process-wide Qt settings to make before the QApplication: the app, its start-up probe and the GUI bench
    call it (and the tests, so they run as the app does).

    Qt 6 splits a large fill (an image drawn over the canvas, a cached chart, a polygon: a hundred scanlines
    or more) into parts for a pool of its own threads, then waits for all of them. On a 2-core machine the
    other core is the inference worker's or another program's, so the parts waited for a core while the UI
    thread sat blocked: one of the GUI bench's longest stalls was 18.9 ms with 0.9 ms of it the UI thread's
    own work. Filled on the UI thread alone, Show why's longest stall was lower in 16 of 25 alternating pairs
    (median 10.9 against 11.7 ms; see README, "Figures").
    """
    os.environ["QT_NO_GUI_THREADPOOL"] = "1"  # read by Qt once, when it first wants that pool


SWITCH_INTERVAL_S = 0.00005


def tune_process_for_drawing(window) -> None:
    """Process-wide settings live drawing depends on; the app's start-up and the GUI bench call it."""
    # PySide6 releases the GIL around each Qt call, so a paint of N calls asks for it back N times; while the
    # inference worker runs Python, each ask waits up to the switch interval. Painting the probability bars
    # (~120 calls) next to a busy Python thread took 5 ms at 1 ms (18 ms at worst), 1.1 ms at 50 us.
    sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL_S))
    # Once a model is loaded, Qt, NumPy and ONNX Runtime have left long-lived objects: keep the collector
    # from rescanning them mid-stroke (a full collection otherwise stalls the UI now and then). The chart's
    # plot is built just after the window shows, with pyqtgraph's many objects: whichever comes last freezes.
    window.model_changed.connect(lambda _info: gc.freeze())
    window.chart.plot_built.connect(gc.freeze)


def main(argv: list[str] | None = None) -> int:
    """Open the drawing pad and run until it is closed; returns the exit status."""
    parser = argparse.ArgumentParser(prog="mnist-pad", description="Draw a digit and watch a ConvNet read it.")
    parser.add_argument("--model", default=None, help="robust (default), plain, or a checkpoint file")
    args = parser.parse_args(argv)
    problem = display_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 2
    from PySide6.QtWidgets import QApplication

    from .. import paths
    from .main_window import MainWindow

    prepare_qt()
    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setApplicationName(paths.APP)
    app.setOrganizationName(paths.APP)
    app.setApplicationDisplayName("mnist-pad")
    window = MainWindow(model=args.model)
    tune_process_for_drawing(window)
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
