"""How faithful and image-specific the heatmaps are, on real X-rays (BENCHMARKS.md).

`python -m bench.saliency --data-dir ../shared/datasets/chest_xray [--count 24]`: on the
first ``count`` images of ``test/PNEUMONIA`` (decoded and prepared as uploads are), for the
app's occlusion map and for the Grad-CAM it replaced:

- deletion test: blur the 15% most salient pixels of the model's input by the image's own
  map, and by the next image's map; the ratio of the mean pneumonia-logit drops (1: the map
  says nothing about this image; target >= 1.5). Also with the pixels set to the image's
  mean instead of blurred: a perturbation the occlusion map was not computed with;
- the mean Pearson correlation between the maps of different images (target <= 0.5);
- model randomisation (Adebayo et al. 2018): every weight re-initialised; the mean rank
  correlation between each image's map and its map under the random model (near 0: the map
  depends on what the model learned);
- the cost of one map in ms (median, after a warm-up), through the app's Predictor, and
  the share of maps the result page notes as weak or diffuse.
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bench.gradcam import class_activation_map, gradcam_model
from bench.model_bench import median_ms
from mlcore.artifact.files import SHIPPED_MODEL_DIR, load_model
from mlcore.decode.upload import model_picture
from mlcore.model.inference import Predictor, logits_function
from mlcore.model.saliency import BLUR_FRACTION, blurred_where, occlusion_map

DELETED_FRACTION = 0.15
Mapper = Callable[[np.ndarray], np.ndarray]  # model input (H, W, 1) -> map (H, W)


def real_inputs(predictor: Predictor, data_dir: Path, count: int) -> np.ndarray:
    folder = Path(data_dir) / "test" / "PNEUMONIA"
    paths = sorted(folder.glob("*.jp*g"))[:count]
    if len(paths) < count:
        raise SystemExit(f"{folder} holds {len(paths)} JPEGs; {count} are needed.")
    size = predictor.card.input_size
    return np.stack([predictor.prepare(model_picture(p.read_bytes(), size)) for p in paths])


def top_mask(values: np.ndarray, fraction: float = DELETED_FRACTION) -> np.ndarray:
    """The ``fraction`` most salient pixels (ties broken by position, so exactly that many)."""
    flat = values.ravel()
    mask = np.zeros(flat.shape, dtype=bool)
    mask[np.argsort(-flat, kind="stable")[: round(fraction * flat.size)]] = True
    return mask.reshape(values.shape)


def mean_filled(array: np.ndarray, mask: np.ndarray) -> np.ndarray:
    return np.where(mask.reshape(array.shape), array.mean(), array)


def deletion_ratio(forward, inputs: np.ndarray, maps: np.ndarray, perturb) -> float:
    """Mean logit drop with each image's own map / with the next image's map."""
    size = inputs.shape[1]
    originals = forward(inputs)
    own = np.stack([perturb(x, top_mask(m), size) for x, m in zip(inputs, maps, strict=True)])
    others = np.stack(
        [perturb(x, top_mask(m), size) for x, m in zip(inputs, np.roll(maps, -1, 0), strict=True)]
    )
    return float((originals - forward(own)).mean() / (originals - forward(others)).mean())


def mean_pair_correlation(maps: np.ndarray) -> float:
    flat = maps.reshape(len(maps), -1)
    matrix = np.corrcoef(flat)
    return float(matrix[~np.eye(len(maps), dtype=bool)].mean())


def rank_correlation(first: np.ndarray, second: np.ndarray) -> float:
    ranks = [np.argsort(np.argsort(m.ravel(), kind="stable")) for m in (first, second)]
    return float(np.corrcoef(*ranks)[0, 1])


def figures(name: str, forward, mapper: Mapper, random_mapper: Mapper, inputs) -> dict:
    maps = np.stack([mapper(x) for x in inputs])
    random_maps = np.stack([random_mapper(x) for x in inputs])
    blur = lambda x, mask, size: blurred_where(x, mask, BLUR_FRACTION * size)  # noqa: E731
    return {
        "method": name,
        "deletion ratio, blur (target >= 1.5)": deletion_ratio(forward, inputs, maps, blur),
        "deletion ratio, mean fill": deletion_ratio(
            forward, inputs, maps, lambda x, mask, size: mean_filled(x, mask)
        ),
        "mean correlation between images (target <= 0.5)": mean_pair_correlation(maps),
        "rank correlation with the randomised model's map": statistics.mean(
            rank_correlation(a, b) for a, b in zip(maps, random_maps, strict=True)
        ),
    }


def randomised(model):
    """The same architecture with every weight re-initialised (the cascade's end state)."""
    import keras

    keras.utils.set_random_seed(0)
    return keras.models.clone_model(model)


def run(model_dir: Path, data_dir: Path, count: int) -> list[dict]:
    predictor = Predictor(model_dir)
    card = predictor.card
    inputs = real_inputs(predictor, data_dir, count)
    model = load_model(model_dir)
    random_model = randomised(model)
    size = card.input_size
    forward, random_forward = logits_function(model, size), logits_function(random_model, size)
    layers = card.network.last_conv_layers
    cams = {m: gradcam_model(m, layers) for m in (model, random_model)}

    def occlusion(f: Callable) -> Mapper:
        return lambda x: occlusion_map(f, x, towards_pneumonia=True).values

    def gradcam(m) -> Mapper:
        return lambda x: class_activation_map(cams[m], x, towards_pneumonia=True)

    rows = [
        figures("Grad-CAM (before)", forward, gradcam(model), gradcam(random_model), inputs),
        figures("occlusion (now)", forward, occlusion(forward), occlusion(random_forward), inputs),
    ]
    timed = (
        lambda: gradcam(model)(inputs[0]),
        lambda: predictor.saliency(inputs[0], towards_pneumonia=True),
    )
    for row, action in zip(rows, timed, strict=False):
        action()  # warm-up: the first call traces and fills caches
        row["map ms"] = median_ms(action, 10)
    maps = [predictor.saliency(x, towards_pneumonia=True) for x in inputs]
    rows[0]["share of maps noted weak / diffuse"] = "-"
    rows[1]["share of maps noted weak / diffuse"] = (
        f"{np.mean([m.weak for m in maps]):.2f} / {np.mean([m.diffuse for m in maps]):.2f}"
    )
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--model", type=Path, default=SHIPPED_MODEL_DIR)
    parser.add_argument("--count", type=int, default=24)
    args = parser.parse_args(argv)
    rows = run(args.model, args.data_dir, args.count)
    print(f"{args.count} images of {args.data_dir}/test/PNEUMONIA, model {args.model}\n")
    names = [key for key in rows[0] if key != "method"]
    print("| measure | " + " | ".join(row["method"] for row in rows) + " |")
    print("| --- |" + " --- |" * len(rows))
    for name in names:
        cells = (f"{row[name]:.2f}" if isinstance(row[name], float) else row[name] for row in rows)
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
