"""Post-processing of simulation output: statistics, OEE and bottleneck analysis.

The functions here are pure (no simulation state): they take plain numbers,
mappings and arrays and return JSON-friendly values. See the individual
modules (``statistics``, ``oee``, ``bottleneck``) for the conventions used.
"""
