"""Build steps: Pyodide distribution, models, wheel, site. Run through the Makefile."""
