"""Analysis: statistics, OEE, bottlenecks, queueing and flow-line theory, capacity."""

from lotflow.analysis.bottleneck import active_period_bottleneck

__all__ = ["active_period_bottleneck"]
