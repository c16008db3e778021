"""The cost model of a job: `python -m bench.cost` (`make cost`), docs/cost.md.

Prices are data (prices.json), the model's inputs are data (model.json, memory from
template.yaml); `compute` does the arithmetic, `alternatives` prices what users would pick
instead, `report` prints it.
"""
