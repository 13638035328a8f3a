"""Lazy, thread-safe use of the shipped model artifact.

TensorFlow is imported on the first prediction, never at import time: pages that only
read never pay for it, and a gunicorn master that imports the app never loads it (it
does not survive a fork). Keras models are not guaranteed thread-safe, so loading and
calling the model share one lock.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from PIL import Image

from mlcore.artifact.card import ModelCard
from mlcore.artifact.files import load_model, read_card
from mlcore.decode.pictures import to_model_input
from mlcore.errors import ArtifactError, ModelBusy
from mlcore.model.gate import Gates
from mlcore.model.networks import features_and_logits_model
from mlcore.model.saliency import Forward, SaliencyMap, occlusion_map

logger = logging.getLogger(__name__)

# Images per forward pass when many are scored at once (an adaptation's thousands).
FORWARD_BATCH = 64


@dataclass(frozen=True)
class Prediction:
    """The model's answer for one image.

    ``recognised`` is False when the image lies beyond either of the artifact's
    out-of-distribution cut-offs (``ood_score``: pooled features, ``layout_score``: the
    picture's layout, :mod:`mlcore.model.gate`): then ``predicted_class`` is None, no verdict.
    """

    predicted_class: str | None
    pneumonia_probability: float
    threshold: float
    model_version: str
    inference_ms: float
    recognised: bool = True
    ood_score: float | None = None
    layout_score: float | None = None
    # The card's borderline band around the threshold (None: the card has none).
    band_low: float | None = None
    band_high: float | None = None
    # The class the threshold gives, whatever the gate says (predicted_class: only if
    # recognised).
    verdict: str = ""

    def despite_gate(self) -> Prediction:
        """This answer as if the gate had recognised the image: a reviewer's override."""
        return replace(self, recognised=True, predicted_class=self.verdict)


class Predictor:
    """One model artifact, loaded on first use."""

    def __init__(self, model_dir: Path, *, threads: int = 0) -> None:
        """``threads`` > 0 caps TensorFlow's thread pools (process-wide, set on first load)."""
        self.model_dir = Path(model_dir)
        self.threads = threads
        self._lock = threading.Lock()
        self._model = None
        self._forward = None  # compiled: batch -> (pooled features, logits)
        self._gates: Gates | None = None
        self._card: ModelCard | None = None

    @property
    def card(self) -> ModelCard:
        """The artifact's card, read without importing TensorFlow."""
        if self._card is None:
            self._card = read_card(self.model_dir)
        return self._card

    def ensure_loaded(self) -> None:
        with self._locked(None):
            self._load_locked()

    @contextmanager
    def _locked(self, timeout: float | None) -> Iterator[None]:
        if not self._lock.acquire(timeout=-1 if timeout is None else timeout):
            raise ModelBusy(f"The model stayed busy for more than {timeout:g} s.")
        try:
            yield
        finally:
            self._lock.release()

    def _load_locked(self) -> None:
        if self._model is not None:
            return
        card = self.card
        started = time.perf_counter()
        try:
            import tensorflow as tf

            if self.threads:
                _limit_tensorflow_threads(tf, self.threads)
            model = load_model(self.model_dir)
            gates = Gates.load(self.model_dir)
            scorer = features_and_logits_model(model)
            # Eager calls of a 150-layer network cost far more Python per call than one
            # graph for any batch size (BENCHMARKS.md, "Model and inference").
            size = card.input_size
            self._forward = tf.function(
                lambda batch: scorer(batch, training=False),
                input_signature=[tf.TensorSpec([None, size, size, 1], tf.float32)],
            )
            # Trace the graph now: loaded means ready, and the first requests
            # after a worker starts do not queue behind the tracing.
            self._forward(tf.zeros([1, size, size, 1]))
        except Exception as exc:  # any failure to load is the same problem for the caller
            raise ArtifactError(f"The model in {self.model_dir} cannot be loaded: {exc}") from exc
        self._model, self._gates = model, gates
        logger.info(
            "Loaded model %s from %s in %.1f s",
            card.version,
            self.model_dir,
            time.perf_counter() - started,
        )

    def prepare(self, image: Image.Image) -> np.ndarray:
        """A decoded upload (:func:`mlcore.decode.upload.decode_upload`) -> the model's input:
        :func:`mlcore.decode.pictures.to_model_input` at the card's size and equalisation."""
        return to_model_input(image, self.card.input_size, equalize=self.card.equalize)

    def predict_arrays(
        self, arrays: Sequence[np.ndarray], *, timeout: float | None = None
    ) -> list[Prediction]:
        """One forward pass for a batch of preprocessed images.

        ``timeout``: seconds to wait for the model if other threads are using it.
        """
        card = self.card
        with self._locked(timeout):
            self._load_locked()
            # The forward pass and the gate only: never a wait for the lock or a first load.
            started = time.perf_counter()
            features, logits = self._forward_locked(arrays)
            distances, layout_distances = self._gates.distances(np.stack(arrays), features)
            elapsed_ms = (time.perf_counter() - started) * 1000.0
        probabilities = 1.0 / (1.0 + np.exp(-logits / card.calibration.temperature))
        predictions = []
        for index, probability in enumerate(probabilities):
            distance = None if distances is None else float(distances[index])
            layout = None if layout_distances is None else float(layout_distances[index])
            recognised = self._gates.recognised(distance, layout)
            verdict = card.class_names[int(probability >= card.threshold)]
            predictions.append(
                Prediction(
                    predicted_class=verdict if recognised else None,
                    verdict=verdict,
                    pneumonia_probability=float(probability),
                    threshold=card.threshold,
                    model_version=card.version,
                    inference_ms=elapsed_ms / len(arrays),
                    recognised=recognised,
                    ood_score=distance,
                    layout_score=layout,
                    band_low=card.band.low if card.band else None,
                    band_high=card.band.high if card.band else None,
                )
            )
        return predictions

    def features_and_logits(
        self, arrays: Sequence[np.ndarray], *, timeout: float | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Pooled features (n, d) and raw logits (n,) of preprocessed images: the compiled
        forward pass, in batches of :data:`FORWARD_BATCH`."""
        with self._locked(timeout):
            self._load_locked()
            return self._forward_locked(arrays)

    def _forward_locked(self, arrays: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        features, logits = [], []
        for start in range(0, len(arrays), FORWARD_BATCH):
            batch = np.stack(arrays[start : start + FORWARD_BATCH]).astype(np.float32)
            pooled, raw = self._forward(batch)
            features.append(np.asarray(pooled, dtype=np.float64))
            logits.append(np.asarray(raw, dtype=np.float64).reshape(-1))
        return np.concatenate(features), np.concatenate(logits)

    def saliency(
        self, array: np.ndarray, *, towards_pneumonia: bool, timeout: float | None = None
    ) -> SaliencyMap:
        """The occlusion saliency map (:func:`mlcore.model.saliency.occlusion_map`) of one
        preprocessed image: one batch through the compiled forward pass; its peak in
        calibrated logits."""
        with self._locked(timeout):
            self._load_locked()
            return occlusion_map(self._logits, array, towards_pneumonia=towards_pneumonia)

    def _logits(self, batch: np.ndarray) -> np.ndarray:
        """Calibrated logits (the score's log-odds): a map's peak reads on the score's scale."""
        logits = np.asarray(self._forward(batch)[1]).reshape(-1)
        return logits / self.card.calibration.temperature


def logits_function(model, size: int) -> Forward:
    """A compiled forward pass of ``model`` (batch -> logits), as the predictor runs it."""
    import tensorflow as tf

    compiled = tf.function(
        lambda batch: model(batch, training=False),
        input_signature=[tf.TensorSpec([None, size, size, 1], tf.float32)],
    )
    return lambda batch: np.asarray(compiled(batch)).reshape(-1)


_predictors: dict[Path, Predictor] = {}
_predictors_lock = threading.Lock()


def _limit_tensorflow_threads(tf, threads: int) -> None:
    """Several web workers on few cores: one pool per core in each would oversubscribe."""
    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError:  # TensorFlow already running in this process: keep its pools
        logger.debug("TensorFlow already initialised; thread limit %d not applied", threads)


def get_predictor(model_dir: Path, *, threads: int = 0) -> Predictor:
    """The process-wide predictor of ``model_dir`` (one model per process and folder)."""
    key = Path(model_dir).resolve()
    with _predictors_lock:
        if key not in _predictors:
            _predictors[key] = Predictor(key, threads=threads)
        return _predictors[key]


def drop_predictor(model_dir: Path) -> None:
    """Forget the predictor of ``model_dir`` (its model is freed once no request uses it)."""
    with _predictors_lock:
        _predictors.pop(Path(model_dir).resolve(), None)


def forget_predictors() -> None:
    """Drop every loaded model: the next :func:`get_predictor` reads its folder again."""
    with _predictors_lock:
        _predictors.clear()
