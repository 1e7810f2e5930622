"""The manifest's fields as typed dataclasses: the one description of ``manifest.json``.

From these come the manifest's JSON Schema (:func:`json_schema`, served in the API document
and checked against every manifest the build writes) and the JSDoc typedef the client uses
(``web/lib/manifest_types.js``, written by ``python -m build_scripts.manifest_types``), as
``server_fallback/openapi.py`` generates the API document. :class:`py_pipeline.bundle.Manifest`
reads and writes documents of this shape.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Literal, Union

Engine = Literal["portable", "sklearn"]
Runtime = Literal["browser", "server"]


def _doc(text: str, default: Any = dataclasses.MISSING) -> Any:
    """A field with its description (and, when given, a default: the field may be absent)."""
    return field(default=default, metadata={"doc": text})


@dataclass
class FileEntry:
    """A file of the bundle, pinned by its sha256: checked before it is parsed or unpickled."""

    file: str = _doc("a plain file name inside the bundle")
    sha256: str = _doc("hex sha256 of the file")
    size: int = _doc("bytes")


@dataclass
class PortableFiles:
    """The portable engine's files: run by numpy alone, never unpickled."""

    spec: FileEntry = _doc("the spec (portable.json): the steps and their parameters")
    arrays: FileEntry = _doc("the flat array buffer (portable.bin) the spec points into")


@dataclass
class FeatureField:
    """One input column."""

    name: str = _doc("the feature's name")
    type: Literal["number", "integer", "category"] = _doc("what values it takes")
    unit: str = _doc("the unit a number is in", None)
    minimum: float = _doc("the smallest valid value (a limit: below it is rejected)", None)
    maximum: float = _doc("the largest valid value (a limit: above it is rejected)", None)
    categories: list[str] = _doc("the valid values of a category", None)
    description: str = _doc("what it is, in words", None)
    missing: bool = _doc("may it be missing (null, an empty cell, NaN)", None)
    values: list[float] = _doc("the only numbers it takes (a number column the pipeline one-hot encodes)", None)
    typical_minimum: float = _doc("the low end of its typical range: a value below is scored and flagged", None)
    typical_maximum: float = _doc("the high end of its typical range: a value above is scored and flagged", None)


@dataclass
class Engines:
    """Which engine each runtime runs the model on, decided at build."""

    browser: Engine = _doc("the page's engine")
    server: Engine = _doc("the server's engine (its ENGINE setting may override it)")


@dataclass
class FeaturePackage:
    """The model's own preprocessing code: a pure-Python wheel carried in the bundle, which every
    runtime installs before loading the model (the site lists it in its Pyodide lock)."""

    name: str = _doc("the distribution's name, normalised as the Pyodide lock names it")
    version: str = _doc("its version")
    file: str = _doc("the wheel's file name inside the bundle")
    sha256: str = _doc("hex sha256 of the wheel")
    size: int = _doc("bytes")
    imports: list[str] = _doc("the top-level modules it provides")
    depends: list[str] = _doc("the Pyodide lock's packages it requires")


@dataclass
class Packages:
    """Packages each engine needs beyond numpy and the py_pipeline wheel."""

    portable: list[str] = _doc("the model's feature packages (numpy alone otherwise)")
    sklearn: list[str] = _doc("scikit-learn, pandas for a pipeline fitted on a DataFrame, the feature packages")


@dataclass
class Example:
    """A row a user can pick in the page's form."""

    name: str = _doc("what the row shows")
    row: list[Any] = _doc("one value per feature, in schema order")


@dataclass
class ManifestDocument:
    """``manifest.json``: what a bundle says about its model, written once by the build, complete."""

    name: str = _doc("the model's name (a folder name and a URL segment)")
    version: str = _doc("the model's version")
    task: Literal["classification", "regression"] = _doc("what the model predicts")
    description: str = _doc("what the model is for")
    features: list[FeatureField] = _doc("the inputs, in order")
    classes: Union[list[Any], None] = _doc("a classifier's class labels, in the order of its probabilities")
    engines: Engines = _doc("the engine each runtime runs")
    portable: Union[PortableFiles, None] = _doc("the portable engine's files, or null when there is none")
    runtimes: list[Runtime] = _doc("where the model may run, as the build's checks found")
    fitted_on: Literal["array", "dataframe"] = _doc("a DataFrame-fitted pipeline selects its columns by name")
    packages: Packages = _doc("packages per engine")
    library_versions: dict[str, str] = _doc("versions of the libraries the pickle was written with")
    artifact: FileEntry = _doc("the pickled pipeline (model.joblib), run by scikit-learn")
    created_at: str = _doc("when the bundle was made (UTC, ISO 8601)")
    feature_packages: list[FeaturePackage] = _doc("the model's own code, as wheels in the bundle", None)
    portable_unavailable: str = _doc("why the model has no portable engine", None)
    portable_check: dict[str, Any] = _doc("how the portable engine was checked against scikit-learn", None)
    browser_check: dict[str, Any] = _doc("the build's check in Pyodide: the verdict and why", None)
    server_check: dict[str, Any] = _doc("the build's check of each server engine", None)
    example: list[Any] = _doc("the row the page's form starts with", None)
    examples: list[Example] = _doc("rows a user can pick", None)
    class_labels: dict[str, str] = _doc("what each class means, shown beside it", None)
    positive_class: str = _doc("the class a binary classifier's chart shows", None)
    target_unit: str = _doc("the unit of a regression's answer, shown beside it", None)
    metrics: dict[str, Any] = _doc("held-out scores from training", None)
    training_data: dict[str, Any] = _doc("what the model was fitted on (rows, sha256, source)", None)
    profile: FileEntry = _doc("the reference profile (profile.json): the training rows' (or the sample's) bins "
                              "and counts per feature and for the predictions, and their statistics; counts only, "
                              "never rows", None)
    lineage: dict[str, Any] = _doc("where an imported model came from (file, MLflow run), and its versions", None)
    csv_cells: Literal["safe", "raw"] = _doc("raw: write result files' cells as they are (no formula guard)", None)


def fields_of(cls: type) -> list[tuple[dataclasses.Field, Any, bool]]:
    """(field, type, required) for each field of a dataclass, its annotations resolved."""
    hints = typing.get_type_hints(cls)
    return [(f, hints[f.name], f.default is dataclasses.MISSING) for f in dataclasses.fields(cls)]


def known_fields() -> set[str]:
    """Every top-level field a manifest may have."""
    return {f.name for f in dataclasses.fields(ManifestDocument)}


#: Dataclasses whose documents may carry fields beyond those listed: a manifest keeps any field a
#: pipeline adds (read into ``Manifest.extra``, written back as it was).
OPEN = {"ManifestDocument"}


def json_schema(root: type = ManifestDocument, refs: str = "#/$defs/") -> dict[str, Any]:
    """The JSON Schema (2020-12) of ``root``, each dataclass a definition under ``$defs``
    (referred to as ``refs`` + name: the OpenAPI document keeps them in its components)."""
    defs: dict[str, Any] = {}

    def schema_of(t: Any) -> dict[str, Any]:
        origin, args = typing.get_origin(t), typing.get_args(t)
        if dataclasses.is_dataclass(t):
            if t.__name__ not in defs:
                defs[t.__name__] = {}  # placeholder: a type may refer to itself
                defs[t.__name__] = {
                    "type": "object", "description": (t.__doc__ or "").strip(),
                    "properties": {f.name: {**schema_of(ft), "description": f.metadata.get("doc", "")}
                                   for f, ft, _ in fields_of(t)},
                    "required": [f.name for f, _, required in fields_of(t) if required],
                    "additionalProperties": t.__name__ in OPEN}
            return {"$ref": f"{refs}{t.__name__}"}
        if origin is Literal:
            return {"enum": list(args)}
        if origin in (Union, types.UnionType):
            return {"anyOf": [schema_of(a) for a in args]}
        if origin is list:
            return {"type": "array", "items": schema_of(args[0])}
        if origin is dict:
            return {"type": "object", "additionalProperties": schema_of(args[1])}
        if t is type(None):
            return {"type": "null"}
        return {str: {"type": "string"}, int: {"type": "integer"}, float: {"type": "number"},
                bool: {"type": "boolean"}, Any: {}}[t]

    top = schema_of(root)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **top, "$defs": defs}


def jsdoc(root: type = ManifestDocument) -> str:
    """JSDoc typedefs for ``root`` and every dataclass it holds (the client's manifest type)."""
    written: dict[str, str] = {}

    def type_of(t: Any) -> str:
        origin, args = typing.get_origin(t), typing.get_args(t)
        if dataclasses.is_dataclass(t):
            if t.__name__ not in written:
                written[t.__name__] = ""
                lines = ["/**", f" * {(t.__doc__ or '').strip()}", f" * @typedef {{object}} {t.__name__}"]
                for f, ft, required in fields_of(t):
                    name = f.name if required else f"[{f.name}]"
                    lines.append(f" * @property {{{type_of(ft)}}} {name} {f.metadata.get('doc', '')}")
                written[t.__name__] = "\n".join(lines + [" */"])
            return t.__name__
        if origin is Literal:
            return " | ".join(f'"{a}"' for a in args)
        if origin in (Union, types.UnionType):
            return " | ".join(type_of(a) for a in args)
        if origin is list:
            inner = type_of(args[0])
            return f"({inner})[]" if "|" in inner else f"{inner}[]"
        if origin is dict:
            return f"Record<string, {type_of(args[1])}>"
        if t is type(None):
            return "null"
        return {str: "string", int: "number", float: "number", bool: "boolean", Any: "unknown"}[t]

    type_of(root)
    return "\n\n".join(written.values())
