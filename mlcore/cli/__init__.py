"""Entry points on top of the library: each module parses its options and calls mlcore.

``python -m mlcore.cli.train`` (the options of ``manage.py train_model``) and
``python -m mlcore.cli.gate`` (refit or report the not-a-chest-X-ray gate).
"""
