"""Training: the recipe (:mod:`.config`), augmentation (:mod:`.augment`), the fit stage
(:mod:`.fit`) and the stages that make an artifact of it (:mod:`.pipeline`).

``python -m mlcore.cli.train`` and ``manage.py train_model`` run :func:`train`; a caller
that wants another composition (another data set, a refit of the head) calls the stages.
"""

from mlcore.training.config import TrainConfig
from mlcore.training.pipeline import train

__all__ = ["TrainConfig", "train"]
