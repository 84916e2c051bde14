"""``lotflow optimize``: search scenario levers, select the best with a statistical
guarantee, and report an honest estimate of it.

Modules, in the order a run uses them: :mod:`.spec` (the spec file and its
linear constraints), :mod:`.space` (candidates, costs, the analytic screen),
:mod:`.evaluate` (replications of candidates into the results store, common
random numbers), :mod:`.search` (Optuna or enumeration), :mod:`.selection`
(ranking and selection, fresh re-estimation), :mod:`.run` (the whole
procedure and ``best.json``) and :mod:`.report` (the HTML page).
"""
