"""The ML library of the pneumonia screening site.

It imports nothing from Django, so it can be used from a notebook or a script.
TensorFlow is imported lazily, inside the functions that need it.
"""
