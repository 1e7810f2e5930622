// What this JS environment can do, as named checks in one place.

/** True when WebAssembly can be compiled here (not disabled by policy or flags). */
export const HAS_WEBASSEMBLY =
  typeof WebAssembly === "object" && typeof WebAssembly.instantiate === "function";

/** True when module Web Workers can be created. */
export const HAS_WORKER = typeof Worker === "function";

/** True when prediction can run in this browser at all. */
export const CAN_RUN_IN_BROWSER = HAS_WEBASSEMBLY && HAS_WORKER;
