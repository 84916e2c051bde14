"""Plant-level models: lots, lot acceptance sampling, staging, range, storage, shipping.

Entry points: :func:`lotflow.plant.simulate.simulate_plant` and
:func:`lotflow.plant.simulate.simulate_standalone_range` (import them from
there; this package imports nothing heavy so that the scenario layer can use
:mod:`lotflow.plant.packaging` and :mod:`lotflow.plant.sampling`).
"""
