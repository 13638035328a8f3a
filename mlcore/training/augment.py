"""What training adds to the images (augmentation) and how it stops in time."""

from __future__ import annotations

import logging
import time

logger = logging.getLogger(__name__)


class TimeBudget:
    """Keras callback factory: stop cleanly before ``minutes`` run out (best weights kept)."""

    @staticmethod
    def create(minutes: float):
        import keras

        class _TimeBudget(keras.callbacks.Callback):
            def on_train_begin(self, logs=None):
                self.start = self.epoch_start = time.monotonic()
                self.budget = minutes * 60

            def on_epoch_begin(self, epoch, logs=None):
                self.epoch_start = time.monotonic()

            def on_epoch_end(self, epoch, logs=None):
                now = time.monotonic()
                if now - self.start + (now - self.epoch_start) > self.budget:
                    logger.info("Time budget of %.1f minutes reached: stopping.", minutes)
                    self.model.stop_training = True

        return _TimeBudget()


def build_augmentation(strength: str, seed: int):
    """Augmentation that mimics other acquisitions: geometry, exposure, gamma, blur, noise.

    No vertical flips (never seen in practice) and no horizontal flips (anatomy is not
    symmetric). ``"framing"`` adds wide, independent horizontal/vertical zoom: in train/,
    pneumonia images are framed tighter than normal ones, a shortcut that fails on other
    sites. Returns ``None`` for ``"none"``.
    """
    if strength == "none":
        return None
    import keras
    import tensorflow as tf
    from keras import layers

    scale = 0.5 if strength == "light" else 1.0
    zoom, shift = (0.3, 0.12) if strength == "framing" else (scale * 0.15, scale * 0.08)
    fill = {"fill_mode": "constant", "fill_value": 0.0, "seed": seed}
    geometry = keras.Sequential(
        [
            layers.RandomRotation(scale * 10 / 360, **fill),
            layers.RandomTranslation(shift, shift, **fill),
            layers.RandomZoom(
                (-zoom, zoom), (-zoom, zoom) if strength == "framing" else None, **fill
            ),
        ]
    )
    exposure = keras.Sequential(
        [
            layers.RandomBrightness(scale * 0.2, value_range=(0, 1), seed=seed),
            layers.RandomContrast(scale * 0.4, value_range=(0, 1), seed=seed),
            layers.RandomGaussianBlur(0.5 * scale, sigma=(0.1, 1.2), value_range=(0, 1), seed=seed),
        ]
    )
    generator = tf.random.Generator.from_seed(seed)

    def augment(images):
        images = geometry(images, training=True)
        batch = tf.shape(images)[0]
        gamma = tf.exp(generator.uniform((batch, 1, 1, 1), -0.4 * scale, 0.4 * scale))
        images = tf.pow(tf.clip_by_value(images, 1e-6, 1.0), gamma)
        images = exposure(images, training=True)
        noise = generator.normal(tf.shape(images), stddev=0.02 * scale)
        return tf.clip_by_value(images + noise, 0.0, 1.0)

    return augment
