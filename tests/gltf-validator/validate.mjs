// Runs the Khronos glTF validator (npm gltf-validator) on one .glb and prints its report's summary
// as one JSON line: {"errors": N, "warnings": N, "infos": N, "messages": [...first errors]}.
// Exit 0 when there are no errors, 1 otherwise, 2 on bad usage.
import { readFile } from "node:fs/promises";
import validator from "gltf-validator";

const file = process.argv[2];
if (!file) {
  console.error("usage: node validate.mjs FILE.glb");
  process.exit(2);
}
const bytes = new Uint8Array(await readFile(file));
const report = await validator.validateBytes(bytes, { maxIssues: 100 });
const issues = report.issues;
const errors = issues.messages.filter((m) => m.severity === 0);
console.log(JSON.stringify({
  errors: issues.numErrors, warnings: issues.numWarnings, infos: issues.numInfos,
  nodes: report.info?.nodeCount ?? null, meshes: report.info?.meshCount ?? null, materials: report.info?.materialCount ?? null,
  animations: report.info?.animationCount ?? null, skins: report.info?.hasSkins ?? null,
  morph_targets: report.info?.hasMorphTargets ?? null, max_influences: report.info?.maxInfluences ?? null,
  messages: errors.slice(0, 10).map((m) => `${m.code} at ${m.pointer}: ${m.message}`),
}));
process.exit(issues.numErrors === 0 ? 0 : 1);
