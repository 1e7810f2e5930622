"""py_pipeline: feature schemas, model bundles and prediction that run the same on CPython
and in Pyodide. Imports nothing from ``js`` or ``pyodide``."""

from .bundle import Manifest, library_versions, read_manifest, write_bundle
from .errors import (IncompatibleModel, IntegrityError, InvalidBundle, InvalidInput, ModelFailed, ModelUnavailable,
                     PipelineError, SchemaMismatch, UnknownModel)
from .model import Model, load_model
from .registry import Registry, write_index
from .schema import Feature, Schema

__version__ = "0.1.0"

__all__ = [
    "Feature", "IncompatibleModel", "IntegrityError", "InvalidBundle", "InvalidInput", "Manifest",
    "Model", "ModelFailed", "ModelUnavailable", "PipelineError", "Registry", "Schema", "SchemaMismatch", "UnknownModel", "library_versions",
    "load_model", "read_manifest", "write_bundle", "write_index",
]
