"""Jixiao (绩效): a rules engine for the year-end performance self-evaluation of budget projects.

The pipeline, one module per stage: source (YAML with positions) → goals / actuals (schemas
and records) → parser + vocabulary (targets and actuals to ASTs) → weights → scoring →
evaluation (join, review, totals) → report (context, templates, JSON).
"""

__version__ = "0.1.0"
