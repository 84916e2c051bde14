"""Simulation engines: the compiled flow-line recurrence, its SimPy oracle, the plant model."""
