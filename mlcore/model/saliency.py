"""Occlusion saliency: which regions of this X-ray the model's answer depends on.

Grad-CAM on the shipped networks reads a 3x3 feature map (96 px input): the same centred
blob on every image, no more faithful than another image's map (docs/model.md). This map
asks the model directly instead (Zeiler & Fergus 2014): each square region of the model's
input in turn is blurred (its texture, the opacities, removed; its brightness kept), the
whole batch goes through the model's compiled forward pass once, and a pixel's saliency is
the mean drop of the verdict's logit over the regions that cover it. It needs no gradient
and no layer name, works on any model, and costs one batch of forward passes.

Everything here is numpy; the forward pass is given as a function (batch -> logits).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image

# Square regions of a quarter of the input's side, every eighth of it: 7 x 7 = 49 regions
# (chosen on the shipped model: python -m bench.saliency, BENCHMARKS.md).
PATCH_FRACTION = 0.25
STRIDE_FRACTION = 0.125
# The blur that removes a region's texture: Gaussian, sigma 4% of the side (4 px at 96).
BLUR_FRACTION = 0.04
OVERLAY_ALPHA = 0.5
COLORMAP = "jet"
# "Weak": blurring the most important region moves the score's log-odds (the calibrated
# logit) by less than this: the odds change by less than a factor of 1.65 (the shipped
# model's peaks: python -m bench.saliency).
WEAK_LOGIT_DROP = 0.5
# "Diffuse": more than this fraction of the image is above half the map's peak.
DIFFUSE_AREA = 0.4

Forward = Callable[[np.ndarray], np.ndarray]  # (N, H, W, 1) float32 -> (N,) logits


@dataclass(frozen=True)
class SaliencyMap:
    """A map in 0..1 of the model's input size, and what it says about its own strength.

    ``peak``: the largest mean logit drop of a pixel (in the units of the forward pass's
    logits, calibrated ones in the app; 0 when no region mattered); ``area``: the fraction
    of the image at or above half of that peak.
    """

    values: np.ndarray
    peak: float
    area: float

    @property
    def weak(self) -> bool:
        return self.peak < WEAK_LOGIT_DROP

    @property
    def diffuse(self) -> bool:
        return self.area > DIFFUSE_AREA


def strength_note(peak: float | None, area: float | None) -> str:
    """Why a kept map (its ``peak`` and ``area``) says little: "weak", "diffuse", or ""
    when it is clear or there is no map."""
    if peak is None:
        return ""
    if peak < WEAK_LOGIT_DROP:
        return "weak"
    return "diffuse" if area is not None and area > DIFFUSE_AREA else ""


def gaussian_blur(array: np.ndarray, sigma: float) -> np.ndarray:
    """Separable Gaussian blur of an (H, W) or (H, W, 1) array, edges reflected."""
    radius = max(round(3 * sigma), 1)
    offsets = np.arange(-radius, radius + 1, dtype=np.float64)
    kernel = np.exp(-(offsets**2) / (2 * sigma * sigma))
    kernel /= kernel.sum()
    plane = np.asarray(array, dtype=np.float64).reshape(array.shape[:2])
    for axis in (0, 1):
        padded = np.pad(
            plane, [(radius, radius) if a == axis else (0, 0) for a in (0, 1)], "reflect"
        )
        plane = np.apply_along_axis(lambda line: np.convolve(line, kernel, "valid"), axis, padded)
    return plane.astype(np.float32).reshape(array.shape)


def blurred_where(array: np.ndarray, mask: np.ndarray, sigma: float) -> np.ndarray:
    """``array`` with the pixels where ``mask`` is true replaced by its blurred version."""
    blurred = gaussian_blur(array, sigma)
    keep = np.asarray(mask, dtype=bool).reshape(array.shape)
    return np.where(keep, blurred, array)


@functools.cache
def _regions(size: int) -> tuple[np.ndarray, int]:
    """The occluded squares as a boolean stack (R, size, size), and the patch side."""
    patch = max(round(size * PATCH_FRACTION), 1)
    stride = max(round(size * STRIDE_FRACTION), 1)
    starts = range(0, size - patch + 1, stride)
    masks = np.zeros((len(starts) ** 2, size, size), dtype=bool)
    for index, (top, left) in enumerate((t, left) for t in starts for left in starts):
        masks[index, top : top + patch, left : left + patch] = True
    return masks, patch


def occlusion_map(forward: Forward, array: np.ndarray, *, towards_pneumonia: bool) -> SaliencyMap:
    """The saliency of one preprocessed square image (H, W, 1) for the verdict's logit.

    ``towards_pneumonia`` False explains a "normal" verdict: what lowers the pneumonia
    logit, i.e. regions whose blurring raises it.
    """
    size = array.shape[0]
    masks, _ = _regions(size)
    blurred = gaussian_blur(array, BLUR_FRACTION * size)
    batch = np.where(masks[..., np.newaxis], blurred[np.newaxis], array[np.newaxis])
    logits = np.asarray(forward(np.concatenate([array[np.newaxis], batch]).astype(np.float32)))
    sign = 1.0 if towards_pneumonia else -1.0
    drops = sign * (logits[0] - logits[1:]).astype(np.float64)
    covered = masks.sum(axis=0)
    mean_drop = np.tensordot(drops, masks, axes=1) / np.maximum(covered, 1)
    positive = np.maximum(mean_drop, 0.0)
    peak = float(positive.max())
    values = (positive / peak if peak > 0 else positive).astype(np.float32)
    area = float((values >= 0.5).mean()) if peak > 0 else 0.0
    return SaliencyMap(values, peak, area)


def resized_map(values: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Bilinear resize of a float map to (width, height)."""
    image = Image.fromarray(np.asarray(values, dtype=np.float32), mode="F")
    return np.asarray(image.resize(size, Image.Resampling.BILINEAR), dtype=np.float32)


def grayscale_map(values: np.ndarray, size: tuple[int, int]) -> Image.Image:
    """The map as an 8-bit grayscale image of ``size`` (width, height): 255 = most important."""
    scaled = np.clip(resized_map(values, size), 0.0, 1.0) * 255.0
    return Image.fromarray(scaled.round().astype(np.uint8), mode="L")


def overlay_image(
    image: Image.Image, values: np.ndarray, *, alpha: float = OVERLAY_ALPHA
) -> Image.Image:
    """The map in colour over the grayscale X-ray, as an RGB image of the image's size."""
    heat = grayscale_map(values, image.size)
    heat.putpalette(_palette())
    return Image.blend(image.convert("RGB"), heat.convert("RGB"), alpha)


@functools.cache
def _palette() -> list[int]:
    """The colour map as a 256-entry palette: colouring becomes a table lookup."""
    from matplotlib import colormaps

    colours = colormaps[COLORMAP](np.linspace(0.0, 1.0, 256))[:, :3]
    return (colours * 255).round().astype(np.uint8).ravel().tolist()
