"""Training and evaluation of mnist-pad's digit models: `python -m training`, `python -m training.evaluate`."""
