// The client needs two things of a bundler: its worker bundled as an ES module worker (the
// worker imports the Python runtime at run time, from the assets), and modern syntax.
import { defineConfig } from "vite";

export default defineConfig({
  worker: { format: "es" },
  build: { target: "es2022" },
});
