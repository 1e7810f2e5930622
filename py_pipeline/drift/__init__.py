"""Drift monitoring: a model's reference profile (``profile.py``: bins and their counts from the
training rows, never the rows) and the statistics that compare a window of predicted rows with it
(``statistics.py``). Numpy only: the server counts with it, and so can the page."""
