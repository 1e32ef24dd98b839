"""`ecobrain complaints train` retrains the category classifier from the labelled CSV and writes the shipped model;
`ecobrain complaints evaluate` prints its hold-out accuracy (train on 80 %, test on the other 20 %)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ecobrain.complaints.triage import classifier


class Command(BaseCommand):
    help = (
        "Complaint triage: `train` trains the category classifier on complaints/data/labelled_complaints.csv and "
        "writes complaints/data/model.json; `evaluate` prints the accuracy on a seeded 20 % hold-out."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        train = sub.add_parser("train", help="train on the labelled CSV and write the model file")
        train.add_argument("--data", type=Path, default=classifier.LABELLED_CSV, help="labelled CSV (text,category)")
        train.add_argument("--output", type=Path, default=classifier.MODEL_JSON, help="model file to write")
        evaluate = sub.add_parser("evaluate", help="hold-out accuracy: train on 80 %, test on 20 %")
        evaluate.add_argument("--data", type=Path, default=classifier.LABELLED_CSV)
        evaluate.add_argument("--seed", type=int, default=classifier.SPLIT_SEED)

    def handle(self, *args, verb, **options):
        try:
            rows = classifier.read_labelled(options["data"])
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from None
        if verb == "train":
            model = classifier.train(rows)
            path = classifier.write_model(model, options["output"])
            classifier.reset_model()
            counts = ", ".join(f"{c} {model.doc_counts[c]}" for c in model.classes)
            self.stdout.write(
                f"trained on {len(rows)} texts ({counts}); {model.vocabulary_size} features; wrote {path}"
            )
        else:
            training, test = classifier.split(rows, seed=options["seed"])
            model = classifier.train(training)
            accuracy = classifier.evaluate(model, test)
            self.stdout.write(
                f"hold-out accuracy {accuracy:.3f} ({len(test)} test texts, {len(training)} training, "
                f"seed {options['seed']})"
            )
