"""`python -m bench.cost [--json]` (`make cost`): what a month of jobs costs, single and in
batches of 100, at 1 M and 100 M jobs a month, line by line, with the model's inputs."""

from __future__ import annotations

import argparse
import json

from bench.cost import inputs, report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.cost", description=__doc__)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    loaded = inputs.load()
    print(json.dumps(report.as_json(loaded), indent=2) if args.json else report.text(loaded))


if __name__ == "__main__":
    main()
