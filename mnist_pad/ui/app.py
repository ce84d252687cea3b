"""Start the drawing pad: check for a display, show the window at once, load the model behind it.

torch is not imported here: the inference worker imports it while the window is already up.
"""
from __future__ import annotations

import argparse
import os
import sys

HEADLESS_PLATFORMS = ("offscreen", "minimal", "vnc", "eglfs", "linuxfb")


def display_problem() -> str | None:
    """One line saying why no window can be shown here, or None when a display is available."""
    if not sys.platform.startswith("linux"):
        return None
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform.split(":")[0] in HEADLESS_PLATFORMS or platform.startswith("wayland") and os.environ.get("WAYLAND_DISPLAY"):
        return None
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    return ("mnist-pad: no display found (neither DISPLAY nor WAYLAND_DISPLAY is set); "
            "on a server run it under Xvfb: xvfb-run mnist-pad")


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

    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setApplicationName(paths.APP)
    app.setOrganizationName(paths.APP)
    app.setApplicationDisplayName("mnist-pad")
    window = MainWindow(model=args.model)
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
