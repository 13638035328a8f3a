"""The ML library of the pneumonia screening site, layered from the bottom up:

- ``errors``: every error mlcore raises on purpose.
- ``artifact``: a model artifact's typed card, its files, installed versions, the active one.
- ``decode``: bytes -> bounded decode -> grayscale picture; the model's input, stored copies.
- ``stats``: metrics with intervals, calibration, the threshold rule.
- ``model``: the network, the not-a-chest-X-ray gate, inference, saliency maps.
- ``data``: the Kaggle dataset, generated pictures, real pictures that are no X-ray.
- ``evaluation``: what a model says about labelled images, and its plots.
- ``training`` and ``site``: making a model, and adapting one to a site.
- ``cli``: entry points (``python -m mlcore.cli.train``, ``.gate``, ``.band``).

Each layer imports only those below it (the import-linter contract in pyproject.toml).
It imports nothing from Django, so it can be used from a notebook or a script.
TensorFlow is imported lazily, inside the functions that need it.
"""
