// @ts-check
// Written by `python -m build_scripts.manifest_types` from py_pipeline/manifest_types.py, the one
// description of manifest.json: edit that, then run it. A unit test holds this file equal to what
// it writes. Types only: import them with import("./manifest_types.js").ManifestDocument.

/**
 * ``manifest.json``: what a bundle says about its model, written once by the build, complete.
 * @typedef {object} ManifestDocument
 * @property {string} name the model's name (a folder name and a URL segment)
 * @property {string} version the model's version
 * @property {"classification" | "regression"} task what the model predicts
 * @property {string} description what the model is for
 * @property {FeatureField[]} features the inputs, in order
 * @property {unknown[] | null} classes a classifier's class labels, in the order of its probabilities
 * @property {Engines} engines the engine each runtime runs
 * @property {PortableFiles | null} portable the portable engine's files, or null when there is none
 * @property {("browser" | "server")[]} runtimes where the model may run, as the build's checks found
 * @property {"array" | "dataframe"} fitted_on a DataFrame-fitted pipeline selects its columns by name
 * @property {Packages} packages packages per engine
 * @property {Record<string, string>} library_versions versions of the libraries the pickle was written with
 * @property {FileEntry} artifact the pickled pipeline (model.joblib), run by scikit-learn
 * @property {string} created_at when the bundle was made (UTC, ISO 8601)
 * @property {FeaturePackage[]} [feature_packages] the model's own code, as wheels in the bundle
 * @property {string} [portable_unavailable] why the model has no portable engine
 * @property {Record<string, unknown>} [portable_check] how the portable engine was checked against scikit-learn
 * @property {Record<string, unknown>} [browser_check] the build's check in Pyodide: the verdict and why
 * @property {Record<string, unknown>} [server_check] the build's check of each server engine
 * @property {unknown[]} [example] the row the page's form starts with
 * @property {Example[]} [examples] rows a user can pick
 * @property {Record<string, string>} [class_labels] what each class means, shown beside it
 * @property {string} [positive_class] the class a binary classifier's chart shows
 * @property {string} [target_unit] the unit of a regression's answer, shown beside it
 * @property {Record<string, unknown>} [metrics] held-out scores from training
 * @property {Record<string, unknown>} [training_data] what the model was fitted on (rows, sha256, source)
 * @property {FileEntry} [profile] the reference profile (profile.json): the training rows' (or the sample's) bins and counts per feature and for the predictions, and their statistics; counts only, never rows
 * @property {Record<string, unknown>} [lineage] where an imported model came from (file, MLflow run), and its versions
 * @property {"safe" | "raw"} [csv_cells] raw: write result files' cells as they are (no formula guard)
 */

/**
 * One input column.
 * @typedef {object} FeatureField
 * @property {string} name the feature's name
 * @property {"number" | "integer" | "category"} type what values it takes
 * @property {string} [unit] the unit a number is in
 * @property {number} [minimum] the smallest valid value (a limit: below it is rejected)
 * @property {number} [maximum] the largest valid value (a limit: above it is rejected)
 * @property {string[]} [categories] the valid values of a category
 * @property {string} [description] what it is, in words
 * @property {boolean} [missing] may it be missing (null, an empty cell, NaN)
 * @property {number[]} [values] the only numbers it takes (a number column the pipeline one-hot encodes)
 * @property {number} [typical_minimum] the low end of its typical range: a value below is scored and flagged
 * @property {number} [typical_maximum] the high end of its typical range: a value above is scored and flagged
 */

/**
 * Which engine each runtime runs the model on, decided at build.
 * @typedef {object} Engines
 * @property {"portable" | "sklearn"} browser the page's engine
 * @property {"portable" | "sklearn"} server the server's engine (its ENGINE setting may override it)
 */

/**
 * The portable engine's files: run by numpy alone, never unpickled.
 * @typedef {object} PortableFiles
 * @property {FileEntry} spec the spec (portable.json): the steps and their parameters
 * @property {FileEntry} arrays the flat array buffer (portable.bin) the spec points into
 */

/**
 * A file of the bundle, pinned by its sha256: checked before it is parsed or unpickled.
 * @typedef {object} FileEntry
 * @property {string} file a plain file name inside the bundle
 * @property {string} sha256 hex sha256 of the file
 * @property {number} size bytes
 */

/**
 * Packages each engine needs beyond numpy and the py_pipeline wheel.
 * @typedef {object} Packages
 * @property {string[]} portable the model's feature packages (numpy alone otherwise)
 * @property {string[]} sklearn scikit-learn, pandas for a pipeline fitted on a DataFrame, the feature packages
 */

/**
 * The model's own preprocessing code: a pure-Python wheel carried in the bundle, which every
    runtime installs before loading the model (the site lists it in its Pyodide lock).
 * @typedef {object} FeaturePackage
 * @property {string} name the distribution's name, normalised as the Pyodide lock names it
 * @property {string} version its version
 * @property {string} file the wheel's file name inside the bundle
 * @property {string} sha256 hex sha256 of the wheel
 * @property {number} size bytes
 * @property {string[]} imports the top-level modules it provides
 * @property {string[]} depends the Pyodide lock's packages it requires
 */

/**
 * A row a user can pick in the page's form.
 * @typedef {object} Example
 * @property {string} name what the row shows
 * @property {unknown[]} row one value per feature, in schema order
 */

export {};
