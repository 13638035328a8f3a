"""The model card: the typed ``model_card.json`` of an artifact.

The card is the one source of the facts the app needs to use the model (input size,
preprocessing, threshold, calibration, which layers Grad-CAM and the gate read) and of
what it can tell users about it (version, metrics, training data). Every field is typed;
``schema_version`` says which layout a card has, :func:`upgrade_card` turns older cards
into the current one, and a card that cannot be read, or is newer than this code, raises
:class:`ArtifactError` naming the field.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import types
import typing
from dataclasses import asdict, dataclass, field
from typing import Any

from mlcore.errors import ArtifactError

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 3
CLASS_NAMES = ("normal", "pneumonia")
# The gate's files, named in the card (mlcore.artifact.files keeps the folder's layout).
GATE_FILENAME = "ood.npz"
LAYOUT_GATE_FILENAME = "ood_layout.npz"
# Layer names the card refers to: mlcore.model.networks builds networks that have them.
LAST_CONV_LAYER = "last_conv"
LOGIT_LAYER = "logit"


# The calibration method a site head records (mlcore.site.adaptation).
SITE_CALIBRATION = "Platt scaling on the site head's out-of-fold scores, folded into its weights"


@dataclass
class Calibration:
    """How a logit becomes a probability: ``sigmoid(logit / temperature)``, and its report.

    Platt scaling's offset is folded into the network's logit bias (``bias_shift``), its
    slope becomes ``1 / temperature``. ``method`` is empty for an uncalibrated model.
    """

    temperature: float = 1.0
    method: str = ""
    bias_shift: float | None = None
    ece_val_before: float | None = None
    ece_val_after: float | None = None
    ece_test: float | None = None

    def report(self) -> dict[str, Any]:
        """What the model card page shows: nothing for an uncalibrated model."""
        if not self.method:
            return {}
        return {key: value for key, value in sorted(asdict(self).items()) if value is not None}


@dataclass
class Network:
    """The layers the app reads besides the output."""

    # Grad-CAM's feature maps: one name, or one per member of an ensemble.
    last_conv_layers: tuple[str, ...] = (LAST_CONV_LAYER,)
    logit_layer: str = LOGIT_LAYER
    # The network sees only this central fraction of its input (the map covers that part).
    center_crop: float = 1.0


@dataclass
class Gate:
    """The "is this a chest X-ray at all?" gate: a distance cut-off on pooled features and
    one on the picture's coarse layout (``layout_*``; None: older cards,
    whose artifacts have only the first). ``flag_rates``: the share of each group of
    pictures the gate refuses, as ``python -m mlcore.cli.gate`` measured it."""

    threshold: float
    method: str = ""
    rule: str = ""
    file: str = GATE_FILENAME
    layout_threshold: float | None = None
    layout_method: str = ""
    layout_file: str = ""
    flag_rates: dict[str, Any] = field(default_factory=dict)


@dataclass
class Band:
    """The borderline band around the threshold: scores from ``low`` to ``high`` (both
    included, on the probability scale) get a verdict that the data behind the threshold
    do not settle (:func:`mlcore.stats.calibration.threshold_band`)."""

    low: float
    high: float
    rule: str = ""

    def label(self, probability: float) -> str:
        return "borderline" if self.low <= probability <= self.high else "clear"


@dataclass
class ThresholdChoice:
    """A decision threshold, the rule that chose it, and the model version it made."""

    threshold: float
    rule: str
    version: str
    band: Band | None = None


@dataclass
class SiteThreshold:
    """A deploying site's own threshold replaced the training one (``set_site_threshold``)."""

    training: ThresholdChoice  # what training chose; a reset restores it
    data: str = ""
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)


@dataclass
class Adaptation:
    """How a site version was made from another version (``adapt_to_site``,
    ``set_site_threshold``) and how it did on the site's held-out reviews.

    ``before`` / ``after``: the active model's and the candidate's figures on the same
    reviews, each review held out of every choice that scored it (nested cross-validation by
    patient), with 95% intervals (Wilson for proportions, stratified bootstrap for the AUC).
    """

    from_version: str
    kind: str  # "head" (a new last layer, calibration and threshold) or "threshold"
    source: str  # "reviews" or the labelled folder used
    site_images: dict[str, int] = field(default_factory=dict)  # per class
    training_images: int = 0
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    threshold_rule: str = ""
    install_rule: str = ""
    checks_failed: tuple[str, ...] = ()
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    forced: bool = False
    created_at: str = ""
    # Whose reviews it learned from (user name: reviews), and whose were left out as out of
    # line with the rest (mlcore.site.reviewers); empty for a labelled folder.
    reviewers: dict[str, int] = field(default_factory=dict)
    left_out: dict[str, int] = field(default_factory=dict)


@dataclass
class Provenance:
    """Where the model comes from: architecture, size, time, data and training run."""

    backbone: str = "cnn"
    parameters: int = 0
    created_at: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    training: dict[str, Any] = field(default_factory=dict)


@dataclass
class ModelCard:
    """What ``model_card.json`` holds. The model outputs one logit for "pneumonia"."""

    version: str
    input_size: int
    threshold: float = 0.5
    threshold_rule: str = ""
    equalize: bool = False
    class_names: tuple[str, ...] = CLASS_NAMES
    calibration: Calibration = field(default_factory=Calibration)
    network: Network = field(default_factory=Network)
    gate: Gate | None = None
    site: SiteThreshold | None = None  # schema 2's in-place site threshold (read only)
    adaptation: Adaptation | None = None
    band: Band | None = None
    provenance: Provenance = field(default_factory=Provenance)
    metrics: dict[str, Any] = field(default_factory=dict)
    schema_version: int = SCHEMA_VERSION

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    def calibrated_at_site(self) -> bool:
        """Whether this model's calibration was fitted on the site's own reviews (a site
        head, or a threshold moved on one): only then is its score a probability there."""
        return self.adaptation is not None and self.calibration.method == SITE_CALIBRATION

    @classmethod
    def from_dict(cls, payload: Any) -> ModelCard:
        """A card of any known schema version; :class:`ArtifactError` names a bad field."""
        return _parse_dataclass(cls, upgrade_card(payload), "")


def upgrade_card(payload: Any) -> dict[str, Any]:
    """A card's JSON in the current schema. Schema 1 (no ``schema_version``) kept the
    calibration report in ``metrics`` and the layer names, gate and site threshold in an
    untyped ``extra``; the provenance was flat. Schema 2 had no ``adaptation`` (a site
    version's record) and no borderline ``band``, which schema 3 added: such a card reads
    as made by training, with no band known (``python -m mlcore.cli.band`` computes one).
    """
    if not isinstance(payload, dict):
        raise ArtifactError("the card is not a JSON object")
    version = payload.get("schema_version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ArtifactError(f"field 'schema_version' must be a positive integer, not {version!r}")
    if version > SCHEMA_VERSION:
        raise ArtifactError(
            f"field 'schema_version' is {version}: this code reads cards up to version "
            f"{SCHEMA_VERSION}; update the code to use this model"
        )
    card = _upgrade_from_1(payload) if version == 1 else dict(payload)
    card["schema_version"] = SCHEMA_VERSION
    return card


def _upgrade_from_1(old: dict[str, Any]) -> dict[str, Any]:
    card = {key: old[key] for key in ("version", "input_size", "threshold_rule") if key in old}
    card.update({key: old[key] for key in ("threshold", "equalize", "class_names") if key in old})
    extra = dict(old.get("extra") or {})
    metrics = dict(old.get("metrics") or {})
    calibration = dict(metrics.pop("calibration", None) or {})
    calibration["temperature"] = old.get("temperature", calibration.get("temperature", 1.0))
    card["calibration"] = calibration
    layers = extra.get("last_conv_layer", LAST_CONV_LAYER)
    card["network"] = {
        "last_conv_layers": [layers] if isinstance(layers, str) else layers,
        "logit_layer": extra.get("logit_layer", LOGIT_LAYER),
        "center_crop": extra.get("center_crop", 1.0),
    }
    card["gate"] = extra.get("ood")
    site_report, training = metrics.pop("site", None) or {}, extra.get("training_threshold")
    card["site"] = {"training": training, **site_report} if training else None
    card["provenance"] = {
        key: old[key]
        for key in ("backbone", "parameters", "created_at", "data", "training")
        if key in old
    }
    card["metrics"] = metrics
    return card


def _parse_dataclass(cls: type, payload: Any, where: str) -> Any:
    if not isinstance(payload, dict):
        raise ArtifactError(f"field {where!r} must be an object, not {payload!r}")
    hints = typing.get_type_hints(cls)
    values = {}
    for spec in dataclasses.fields(cls):
        name = f"{where}.{spec.name}" if where else spec.name
        if spec.name in payload:
            values[spec.name] = _parse_value(hints[spec.name], payload[spec.name], name)
        elif spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING:
            raise ArtifactError(f"field {name!r} is missing")
    return cls(**values)


def _parse_value(kind: Any, value: Any, name: str) -> Any:
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin is types.UnionType:  # "X | None": the only unions a card has
        inner = next(arg for arg in args if arg is not type(None))
        return None if value is None else _parse_value(inner, value, name)
    if dataclasses.is_dataclass(kind):
        return _parse_dataclass(kind, value, name)
    expected = {bool: "true or false", int: "a whole number", float: "a number", str: "a text"}
    if kind in expected:
        accepted = (int, float) if kind is float else kind  # a whole number is a number
        if not isinstance(value, accepted) or (kind is not bool and isinstance(value, bool)):
            raise ArtifactError(f"field {name!r} must be {expected[kind]}, not {value!r}")
        return float(value) if kind is float else value
    if origin is tuple:
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise ArtifactError(f"field {name!r} must be a list of texts, not {value!r}")
        return tuple(value)
    if origin is dict:
        if not isinstance(value, dict):
            raise ArtifactError(f"field {name!r} must be an object, not {value!r}")
        return dict(value)
    raise TypeError(f"no reader for the card field type {kind!r}")  # a bug, not bad data
