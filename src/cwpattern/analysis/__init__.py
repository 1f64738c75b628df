"""Building blocks of :mod:`cwpattern.analyzer` (the semantic analyzer).

* :mod:`.numbers` — sets of doubles (numeric conditions) and number spellings;
* :mod:`.domain` — the values one JSON node may take, per condition;
* :mod:`.formula` — JSON patterns as negation normal form over path literals, and DNF;
* :mod:`.concrete` — evaluating those formulas on one decoded document;
* :mod:`.solver` — exact satisfiability of literal formulas over JSON objects, with models;
* :mod:`.records` — realistic CloudTrail events built from models, serialised and re-checked;
* :mod:`.text` — term / regex / space-delimited patterns judged against JSON events;
* :mod:`.core` — ``covers`` / ``relation`` / ``satisfiable`` over normalised inputs;
* :mod:`.results` — the answer types; :mod:`.unknown` — the "undecided" exception;
* :mod:`.lint` — the analyzer's warnings.

Nothing here imports lark; pattern text is parsed lazily by the public API.
"""
