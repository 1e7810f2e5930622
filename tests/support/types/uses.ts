// How a TypeScript page uses the client: every line must type-check.
import { createPredictor, PredictionError, type Predictor } from "@py-pipeline/client";
import { ModelPredictor } from "@py-pipeline/client/element";

export async function score(rows: number[][]): Promise<string> {
  const predictor: Predictor = await createPredictor({ model: "iris", mode: "auto", assetsUrl: "/predict/",
                                                       serverTimeoutMs: 5000, onProgress: (p) => p.fraction });
  const columns = await predictor.predictColumns({ sepal_length_cm: new Float64Array([5.1]) });
  const first: unknown = columns.predictions[0];
  try {
    await predictor.predict(rows);
  } catch (error) {
    if (error instanceof PredictionError) return `${error.code}: ${error.message}`;
  }
  predictor.close();
  const element = document.querySelector("model-predictor") as ModelPredictor;
  element.manifest;
  return `${predictor.backend} ${String(first)}`;
}
