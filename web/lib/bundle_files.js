// What a model's manifest asks of the browser: the engine it runs on (decided at build, written in
// the manifest's `engines`), the bundle files that engine reads, and the Pyodide packages it needs
// beyond numpy and our wheel. Shared by the worker and the build's Pyodide check
// (build_scripts/pyodide_run.mjs), so both load alike.

/** @typedef {import("./manifest_types.js").ManifestDocument} Manifest */

/** @param {Manifest} manifest @returns {"portable" | "sklearn"} */
export function browserEngine(manifest) {
  return manifest.engines.browser;
}

/**
 * The portable spec and its arrays (numpy only, no unpickling) or the pickled artifact (scikit-learn).
 * @param {Manifest} manifest
 * @returns {string[]}
 */
export function engineFiles(manifest) {
  if (browserEngine(manifest) === "portable" && manifest.portable) {
    return [manifest.portable.spec.file, manifest.portable.arrays.file];
  }
  return [manifest.artifact.file];
}

/**
 * Packages only this model needs: scikit-learn for a model without a portable engine, pandas
 * for one fitted on a DataFrame (the manifest lists them per engine).
 * @param {Manifest} manifest
 * @returns {string[]}
 */
export function enginePackages(manifest) {
  return manifest.packages[browserEngine(manifest)];
}
