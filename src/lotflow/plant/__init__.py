"""Plant-level models: lots, lot acceptance sampling, staging, range, storage."""
