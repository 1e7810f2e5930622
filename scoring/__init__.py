"""Score CSV or Parquet files of any size with a model bundle: on one machine, streaming, or on a
Dask cluster, by partition. ``python -m scoring --help``."""
