"""``python manage.py evaluate_model``: metrics of a model artifact on a labelled folder."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import CommandError

from diagnosis.management.commands._quiet import QuietCommand


class Command(QuietCommand):
    help = (
        "Evaluate a model artifact on a folder in the Kaggle layout (its test/ split) or on a "
        "folder holding NORMAL/ and PNEUMONIA/, with the web app's preprocessing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--data-dir", type=Path, required=True)
        parser.add_argument("--model", type=Path, help="artifact folder (default: the active one)")
        parser.add_argument("--json", type=Path, help="also write the metrics to this file")

    def handle(self, *args, **options):
        from diagnosis.active_model import active_model_dir
        from mlcore.errors import MlcoreError
        from mlcore.evaluation.predictions import evaluate_artifact
        from mlcore.stats.metrics import format_table

        model_dir = options["model"] or active_model_dir()
        try:
            result = evaluate_artifact(model_dir, options["data_dir"])
        except MlcoreError as exc:
            raise CommandError(str(exc)) from None
        rows = {f"@ {result['threshold']:.3f}": result, "@ 0.5": result["at_0.5"]}
        self.stdout.write(f"Model {result['model_version']} on {result['data']}")
        self.stdout.write(format_table(rows))
        (tn, fp), (fn, tp) = result["confusion_matrix"]
        self.stdout.write(f"confusion matrix [[tn, fp], [fn, tp]]: [[{tn}, {fp}], [{fn}, {tp}]]")
        if options["json"]:
            keys = ("n", "accuracy", "sensitivity", "specificity", "precision", "f1", "roc_auc",
                    "threshold", "confusion_matrix", "model_version")  # fmt: skip
            payload = {key: result[key] for key in keys}
            options["json"].write_text(json.dumps(payload, indent=2) + "\n")
            self.stdout.write(f"Metrics written to {options['json']}")
