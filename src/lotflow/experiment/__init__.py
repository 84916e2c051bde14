"""Experiments: replications, seeding, workers, sweeps and the results store."""
