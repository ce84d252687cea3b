"""Figure keys: written and read through mnist_pad.figures, so a writer and a reader cannot drift apart."""
from mnist_pad import figures
from mnist_pad.ui.texts import figure_name


def test_keys_round_trip_through_their_parser():
    for source in (figures.PEN, figures.PEN_TUTORIAL, figures.CORRECTIONS):
        for width in (4, 12.0, 2.5, 50):
            assert figures.parse(figures.width_key(source, width)) == figures.WidthKey(source, float(width))
    for kernel in (-5, -3, 3, 9):
        assert figures.parse(figures.kernel_key(kernel)) == figures.KernelKey(kernel)


def test_summary_keys_are_not_read_as_widths():
    """An evaluation key once parsed as a width left a dialog busy for ever."""
    for key in (figures.PEN_MEAN, figures.PEN_WORST, figures.PEN_SPREAD, figures.MNIST_TEST,
                figures.CORRECTIONS_MEAN, figures.CORRECTIONS_COUNT, "pendigits_w_accuracy", "xw4_accuracy"):
        assert figures.parse(key) is None, key


def test_per_width_and_per_kernel_collect_one_source_in_order():
    found = {figures.width_key(figures.PEN, 12): 0.9, figures.width_key(figures.PEN, 4): 0.8,
             figures.width_key(figures.PEN_TUTORIAL, 4): 0.5, figures.PEN_WORST: 0.8,
             figures.kernel_key(3): 0.97, figures.kernel_key(-5): 0.95, figures.PEN_SET: "held-out writers"}
    assert figures.per_width(found, figures.PEN) == {4.0: 0.8, 12.0: 0.9}
    assert figures.per_width(found, figures.PEN_TUTORIAL) == {4.0: 0.5}
    assert figures.per_kernel(found) == {-5: 0.95, 3: 0.97}


def test_every_key_has_a_readable_name():
    assert figure_name(figures.width_key(figures.PEN, 18)) == "pen-drawn digits, 18 px brush"
    assert figure_name(figures.kernel_key(-5)) == "MNIST test, strokes thinned (kernel 5)"
    assert figure_name(figures.kernel_key(9)) == "MNIST test, strokes thickened (kernel 9)"
    assert figure_name(figures.PEN_WORST) == "pen-drawn digits, worst brush width"
