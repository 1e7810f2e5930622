// Each line is a mistake the declarations must catch (tests/host/test_types.py expects one error per line).
import { createPredictor } from "@py-pipeline/client";

export async function wrong(): Promise<void> {
  await createPredictor({ model: "iris", mode: "fast" });
  await createPredictor({ modle: "iris" });
  await createPredictor({ model: 42 });
  const p = await createPredictor({ model: "iris" });
  await p.predict("5.1, 3.5, 1.4, 0.2");
}
