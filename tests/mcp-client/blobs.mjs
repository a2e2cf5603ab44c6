// An agent uploads a 100,000-vertex mesh with put_blob and creates it, with the official TypeScript
// MCP SDK client:   node blobs.mjs DATA_DIR CLI_DLL
// serve of DATA_DIR runs in destructive trust with the Unity simulator attached and live (the C#
// end-to-end test sets that up). Prints one line per step; exits 1 on the first failure.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const [dataDir, cliDll] = process.argv.slice(2);
const MESH = "b10b0000-0000-4000-8000-000000000001";
const OBJECT = "b10b0000-0000-4000-8000-000000000002";
const SMALL = "b10b0000-0000-4000-8000-000000000003";
const HIDDEN_MESH = "h-b10b0000-0000-4000-8000-000000000004";
const place = { translation: [0, 0, 0], rotation: [0, 0, 0, 1], scale: [1, 1, 1] };

function check(condition, what, detail) {
  if (!condition) {
    console.log(`FAIL ${what}: ${typeof detail === "string" ? detail : JSON.stringify(detail)?.slice(0, 2000)}`);
    process.exit(1);
  }
  console.log(`ok ${what}`);
}

const text = (result) => result.content.map((c) => c.text ?? "").join("");
const json = (result) => JSON.parse(text(result));

// The human's side, straight to the control API with keys/control.token (the agent never holds it).
const serveInfo = JSON.parse(readFileSync(join(dataDir, "serve.json"), "utf8"));
const humanToken = readFileSync(join(dataDir, "keys", "control.token"), "utf8").trim();
async function human(method, path, body) {
  const reply = await fetch(`http://127.0.0.1:${serveInfo.api_port}${path}`, {
    method, headers: { authorization: `Bearer ${humanToken}`, "content-type": "application/json" }, body: body && JSON.stringify(body),
  });
  return { status: reply.status, body: await reply.json() };
}
const realityRoot = async () => (await human("GET", "/v1/status")).body.sync.reality_root;
const blobFiles = () => readdirSync(join(dataDir, "blobs"), { withFileTypes: true })
  .filter((d) => d.isDirectory() && d.name.length === 2).flatMap((d) => readdirSync(join(dataDir, "blobs", d.name))).length;

const transport = new StdioClientTransport({ command: "dotnet", args: [cliDll, "mcp", "--data", dataDir, "--name", "builder"], stderr: "inherit" });
const client = new Client({ name: "vibesync-blob-agent", version: "1.0.0" });
await client.connect(transport);
const call = (name, args) => client.callTool({ name, arguments: args });

const { tools } = await client.listTools();
const putBlobTool = tools.find((t) => t.name === "put_blob");
check(putBlobTool && putBlobTool.annotations?.readOnlyHint === false, "put_blob is listed, annotated as a change", tools.map((t) => t.name));
check(!("id" in (putBlobTool.inputSchema?.properties ?? {})) && !("blob" in (putBlobTool.inputSchema?.properties ?? {})), "put_blob takes no blob name: the orchestrator computes it", putBlobTool.inputSchema);

const bytesOf = (typed) => Buffer.from(typed.buffer, typed.byteOffset, typed.byteLength);

// Uploads a typed array in chunks; returns every answer (the last names the blob) and the time it took.
async function putBlob(element, components, typed, chunkBytes = 512 * 1024) {
  const bytes = bytesOf(typed);
  const count = typed.length / components;
  const answers = [];
  let upload;
  const start = performance.now();
  for (let offset = 0; offset < bytes.length || offset === 0; offset += chunkBytes) {
    const args = { element, components, count, offset, data: bytes.subarray(offset, offset + chunkBytes).toString("base64") };
    if (upload) args.upload = upload;
    const result = await call("put_blob", args);
    if (result.isError) throw new Error(text(result));
    const answer = json(result);
    answers.push(answer);
    upload = answer.upload;
    if (answer.complete) break;
  }
  return { answers, last: answers[answers.length - 1], ms: performance.now() - start };
}

// A 400 × 250 grid: 100,000 vertices, 198,702 triangles (counter-clockwise seen from +Y).
const W = 400, H = 250;
const positions = new Float32Array(W * H * 3);
for (let j = 0; j < H; j++) for (let i = 0; i < W; i++) {
  const v = (j * W + i) * 3;
  positions[v] = i * 0.01; positions[v + 1] = Math.sin(i * 0.05) * Math.cos(j * 0.05) * 0.2; positions[v + 2] = j * 0.01;
}
const indices = new Uint32Array((W - 1) * (H - 1) * 6);
for (let j = 0, k = 0; j < H - 1; j++) for (let i = 0; i < W - 1; i++) {
  const a = j * W + i, b = a + 1, c = a + W, d = c + 1;
  indices.set([a, c, b, b, c, d], k); k += 6;
}

const rootBefore = await realityRoot();
const pos = await putBlob("F32", 3, positions);
check(pos.answers.length === 3 && pos.answers.slice(0, -1).every((a) => !a.complete && a.upload && a.blob === null) && /^[0-9a-f]{64}$/.test(pos.last.blob),
  `positions (1,200,000 bytes) uploaded in ${pos.answers.length} chunks: the last answer names the blob`, pos.answers);
const idx = await putBlob("U32", 1, indices);
check(idx.answers.length === 5 && idx.last.complete && idx.last.bytes === indices.byteLength, `indices (${indices.byteLength.toLocaleString()} bytes) uploaded in ${idx.answers.length} chunks`, idx.answers);
check(await realityRoot() === rootBefore, "uploading changes nothing in Reality", "");

const created = json(await call("submit_intent", {
  operations: [
    { op: "create_mesh", uuid: MESH, vertex_count: W * H, attributes: { POSITION: pos.last.blob }, primitives: [{ material: 0, indices: idx.last.blob }], derived: [] },
    { op: "create_object", uuid: OBJECT, name: "Terrain", kind: "mesh", parent: null, ...place, mesh: MESH },
  ],
  rationale: "a 100,000-vertex terrain patch for the level",
}));
check(created.phase === "PROVISIONAL" || created.phase === "FINAL", "create_mesh naming the uploaded blobs is admitted", created);
const settled = json(await call("wait_intent", { intent: created.intent, timeout_seconds: 120 }));
check(settled.phase === "FINAL", "the 100,000-vertex mesh is FINAL: verified in the Unity simulator", settled);
const inUnity = json(await call("read_state", { uuids: [MESH, OBJECT], engine: "unity" }));
const unityMesh = inUnity.records.meshes?.[0];
check(unityMesh?.vertex_count === 100000 && unityMesh.attributes.POSITION === pos.last.blob && unityMesh.primitives[0].indices === idx.last.blob && inUnity.records.objects?.[0]?.mesh === MESH,
  "read back from Unity: 100,000 vertices, the same POSITION and indices blobs", unityMesh);

// Small inline arrays still work: the orchestrator makes the blobs.
const inline = json(await call("submit_intent", {
  operations: [{ op: "create_mesh", uuid: SMALL, positions: [[0, 0, 0], [1, 0, 0], [0, 0, 1]], triangles: [[0, 2, 1]] }],
  rationale: "a marker triangle",
}));
const inlineSettled = json(await call("wait_intent", { intent: inline.intent, timeout_seconds: 60 }));
check(inlineSettled.phase === "FINAL", "an inline create_mesh still lands (FINAL)", [inline, inlineSettled]);

// A hidden mesh's data uploaded by the agent answers exactly as data nobody held.
const secret = new Float32Array([0.125, 7.5, -3.25, 1.5, 2.5, 3.5, -9.75, 0.5, 4.25]);
const hidden = await human("POST", "/v1/intents?actor=human:cli&wait=settled", {
  operations: [{ op: "create_mesh", uuid: HIDDEN_MESH, positions: [[0.125, 7.5, -3.25], [1.5, 2.5, 3.5], [-9.75, 0.5, 4.25]], triangles: [[0, 1, 2]] }],
  rationale: "a human's hidden mesh",
});
check(hidden.status === 200 && hidden.body.phase === "FINAL", "a human makes a hidden mesh (h- ID)", hidden);
const fresh = new Float32Array([0.375, 6.5, -2.25, 1.25, 2.75, 3.25, -8.75, 0.25, 4.75]);
await putBlob("F32", 3, new Float32Array([9, 8, 7, 6, 5, 4, 3, 2, 1])); // warm: the first of a kind costs more
const filesBefore = blobFiles();
const asHidden = await putBlob("F32", 3, secret);
const asFresh = await putBlob("F32", 3, fresh);
const shape = (a) => JSON.stringify(Object.keys(a).sort()) + JSON.stringify({ ...a, blob: typeof a.blob });
check(shape(asHidden.last) === shape(asFresh.last) && asHidden.answers.length === asFresh.answers.length && asHidden.last.complete,
  `the hidden mesh's bytes answer exactly as new bytes do (${asHidden.ms.toFixed(1)} ms vs ${asFresh.ms.toFixed(1)} ms)`, [asHidden.answers, asFresh.answers]);
check(blobFiles() === filesBefore + 1 && asHidden.last.blob !== asFresh.last.blob, "the store gained only the new blob (the hidden one was verified and written over nothing)", blobFiles() - filesBefore);

// Bad chunks: refused with named codes; nothing changes.
const rootNow = await realityRoot();
const filesNow = blobFiles();
const refused = async (what, args, code, also) => {
  const result = await call("put_blob", args);
  check(result.isError && new RegExp(`\\b${code}: `).test(text(result)) && (!also || also.test(text(result))), `${what}: ${code}`, text(result));
};
const first = json(await call("put_blob", { element: "F32", components: 3, count: 4, offset: 0, data: bytesOf(new Float32Array([1, 2, 3, 4, 5, 6])).toString("base64") }));
check(first.complete === false && first.received === 24 && first.bytes === 48, "a first chunk starts an upload", first);
const rest = bytesOf(new Float32Array([7, 8, 9, 10, 11, 12])).toString("base64");
await refused("a chunk out of order", { element: "F32", components: 3, count: 4, offset: 28, data: rest, upload: first.upload }, "BLOB_CHUNK_ORDER");
await refused("a chunk past the blob's end (a wrong total)", { element: "F32", components: 3, count: 4, offset: 24, data: rest + rest, upload: first.upload }, "BLOB_SHAPE");
await refused("a chunk whose upload says another count", { element: "F32", components: 3, count: 5, offset: 24, data: rest, upload: first.upload }, "BLOB_SHAPE");
await refused("a NaN in an F32 blob", { element: "F32", components: 3, count: 1, offset: 0, data: bytesOf(new Float32Array([1, NaN, 3])).toString("base64") }, "NON_FINITE", /value\[1\]/);
await refused("a blob over the limit", { element: "F32", components: 3, count: 100_000_000, offset: 0, data: rest }, "RESOURCE_LIMIT", /limits\.max_blob_bytes/);
await refused("a new upload starting past 0", { element: "U8", components: 1, count: 8, offset: 4, data: "AAAAAA==" }, "BLOB_CHUNK_ORDER");
const done = json(await call("put_blob", { element: "F32", components: 3, count: 4, offset: 24, data: rest, upload: first.upload }));
check(done.complete === true && /^[0-9a-f]{64}$/.test(done.blob), "after the refusals the upload still completes with the right chunk", done);
check(await realityRoot() === rootNow && blobFiles() === filesNow + 1, "the refused chunks changed nothing (Reality, the store)", [blobFiles(), filesNow]);

await client.close();
console.log("done");
