"""Images to learn and test from: the Kaggle dataset, generated pictures, real non-X-rays."""
