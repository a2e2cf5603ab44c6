// A hostile agent against `vibesync mcp`, with the official TypeScript MCP SDK client (issue #16):
//   node hostile.mjs AGENT_DIR DATA_DIR CLI_DLL IDS_JSON
// AGENT_DIR holds what an agent's side of the machine has: serve.json and keys/ai.token, no
// control.token. DATA_DIR is serve's (the human's CLI uses it). The orchestrator runs in
// destructive trust with Blender and the simulator attached, on a scene with hidden parts (the C#
// test HostileAgentTests sets it up). The agent tries to see, name, probe and change what a human
// keeps from AI, and to act as a human; after each attempt Reality's root, the hidden records (in
// Reality and as each engine holds them) and both engines' parity are checked unchanged.
// Prints one line per check; exits 1 on the first failure.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const [agentDir, dataDir, cliDll, idsFile] = process.argv.slice(2);
const ids = JSON.parse(readFileSync(idsFile, "utf8"));
const { CUBE, HANDLE, CRATE, LIGHT, STATUE, PLINTH, GEM, RED, GOLD, CUBE_MESH, STATUE_MESH, NOWHERE, H_NOWHERE } = ids;
const HIDDEN = [LIGHT, STATUE, PLINTH, GEM, GOLD, STATUE_MESH];
const scratch = mkdtempSync(join(tmpdir(), "vibesync-hostile-"));

function check(condition, what, detail) {
  if (!condition) {
    console.log(`FAIL ${what}: ${typeof detail === "string" ? detail : JSON.stringify(detail)}`);
    process.exit(1);
  }
  console.log(`ok ${what}`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const text = (result) => result.content.map((c) => c.text ?? "").join("");
const json = (result) => JSON.parse(text(result));
const same = (s, uuid) => s.split(uuid).join("U");

// ---- the human's side: the CLI with control.token ----
const cli = (...args) => execFileSync("dotnet", [cliDll, ...args, "--data", dataDir], { encoding: "utf8" });
const cliAnswer = (...args) => JSON.parse(spawnSync("dotnet", [cliDll, ...args, "--data", dataDir], { encoding: "utf8" }).stdout); // exit 1 on REFUSED
const cliStatus = () => JSON.parse(cli("status", "--json"));
const stateOf = (engine) => JSON.parse(cli("state", "--engine", engine, "--space", "canonical", "--json"));
function humanSubmits(intent) {
  const file = join(scratch, `human-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify(intent));
  return cliAnswer("submit", file, "--wait");
}
function hiddenOf(scene) {
  const pick = (list) => list.filter((r) => HIDDEN.includes(r.uuid)).sort((a, b) => a.uuid.localeCompare(b.uuid));
  return JSON.stringify({ objects: pick(scene.objects), materials: pick(scene.materials), meshes: pick(scene.meshes) });
}

async function live() {
  for (let i = 0; i < 200; i++) {
    const s = cliStatus();
    if (s.sync.engines.every((e) => e.phase === "live" && e.parity_root === s.sync.reality_root) && s.sync.pending.length === 0) return s;
    await sleep(100);
  }
  return cliStatus();
}

let base;
async function baseline() {
  const s = await live();
  base = { root: s.sync.reality_root, reality: hiddenOf(stateOf("reality")), blender: hiddenOf(stateOf("blender")), unity: hiddenOf(stateOf("unity")) };
}
async function unchanged(what, { rootMayChange = false } = {}) {
  const s = await live();
  check(s.sync.engines.every((e) => e.phase === "live" && e.parity_root === s.sync.reality_root), `${what}: both engines still live, in parity with Reality`, s.sync.engines);
  if (!rootMayChange) check(s.sync.reality_root === base.root, `${what}: Reality's root unchanged`, { before: base.root, after: s.sync.reality_root });
  check(hiddenOf(stateOf("reality")) === base.reality, `${what}: the hidden records unchanged in Reality`, hiddenOf(stateOf("reality")));
  for (const engine of ["blender", "unity"])
    check(hiddenOf(stateOf(engine)) === base[engine], `${what}: the hidden records unchanged in ${engine}`, hiddenOf(stateOf(engine)));
  check(s.sync.safe_mode === null, `${what}: no safe mode`, s.sync.safe_mode);
  if (rootMayChange) base.root = s.sync.reality_root;
}

// ---- the agent: the MCP server, launched on the agent's directory ----
check(!existsSync(join(agentDir, "keys", "control.token")) && existsSync(join(agentDir, "keys", "ai.token")), "the agent's side holds keys/ai.token and no control.token", agentDir);
const transport = new StdioClientTransport({ command: "dotnet", args: [cliDll, "mcp", "--data", agentDir, "--name", "mallory"], stderr: "inherit" });
const client = new Client({ name: "vibesync-hostile-agent", version: "1.0.0" });
await client.connect(transport);
const tool = (name, args = {}) => client.callTool({ name, arguments: args });
const submit = async (operations, extra = {}) => json(await tool("submit_intent", { operations, rationale: "probing", ...extra }));
await baseline();

// 1. What it sees: no hidden record, no hidden geometry, a scene whose root status gives it.
const sceneText = (await client.readResource({ uri: "vibesync://scene" })).contents[0].text;
const sceneSeen = JSON.parse(sceneText);
check(sceneSeen.objects.some((o) => o.uuid === CUBE), "the scene resource shows the cube", sceneSeen.objects.map((o) => o.uuid));
check(HIDDEN.every((u) => !sceneText.includes(u)) && !/Secret/.test(sceneText) && !/7\.25/.test(sceneText),
  "the scene resource has no hidden object, material or mesh, not even the geometry only the statue uses", sceneText);
check(JSON.stringify(sceneSeen.objects.find((o) => o.uuid === CUBE).materials) === JSON.stringify([RED, null]), "the cube's slot holding Gold (shared with the statue) reads as empty", sceneSeen.objects.find((o) => o.uuid === CUBE));
const sceneFile = join(scratch, "seen.json");
writeFileSync(sceneFile, sceneText);
const seenRoot = JSON.parse(execFileSync("dotnet", [cliDll, "hash", "--space", "canonical", sceneFile], { encoding: "utf8" })).root;
const aiStatus = json(await tool("status"));
check(aiStatus.reality.root === seenRoot && aiStatus.reality.root !== base.root, "status gives the agent the root of what it sees, not Reality's", { ai: aiStatus.reality.root, seen: seenRoot, reality: base.root });
const listed = json(await tool("list_objects", { limit: 200 }));
check(listed.total === aiStatus.reality.objects && listed.total === sceneSeen.objects.length && aiStatus.reality.materials === 1 && aiStatus.reality.meshes === 2,
  "status counts only what the agent sees", { status: aiStatus.reality, listed: listed.total });
check(listed.objects.every((o) => !HIDDEN.includes(o.uuid) && o.name !== "Statue plinth"), "list_objects lists nothing hidden", listed.objects);

// 2. Reading by uuid: a hidden record is absent exactly like a missing one; an h- ID is refused for its prefix.
const readNothing = json(await tool("read_state", { uuids: [NOWHERE] }));
for (const u of [PLINTH, GOLD, STATUE_MESH]) {
  const r = json(await tool("read_state", { uuids: [u] }));
  check(same(JSON.stringify(r), u) === same(JSON.stringify(readNothing), NOWHERE), `read_state of hidden ${u} answers as a missing uuid`, r);
}
const hRead = await tool("read_state", { uuids: [STATUE] }), hNothing = await tool("read_state", { uuids: [H_NOWHERE] });
check(hRead.isError && /HIDDEN_FROM_AI: /.test(text(hRead)) && same(text(hRead), STATUE) === same(text(hNothing), H_NOWHERE), "read_state of an h- ID is refused for its prefix, existing or not", text(hRead));
const cubeRead = json(await tool("read_state", { uuids: [CUBE] }));
check(JSON.stringify(cubeRead.records.objects[0].materials) === JSON.stringify([RED, null]) && cubeRead.records.objects[0].parent === null, "read_state masks the hidden slot", cubeRead.records.objects[0]);
await unchanged("after the reads");

// 3. Naming a hidden record in any field: the same refusal as a missing one, and nothing changes.
async function sameAsNothing(what, make, hidden, nothing = hidden.startsWith("h-") ? H_NOWHERE : NOWHERE, extra = (u) => ({})) {
  const a = await submit(make(hidden), extra(hidden)), b = await submit(make(nothing), extra(nothing));
  const shape = (x, u) => same(JSON.stringify({ phase: x.phase, code: x.code, reason: x.reason }), u);
  check(a.phase === "REFUSED" && shape(a, hidden) === shape(b, nothing), `${what}: refused exactly as for a uuid that does not exist`, { hidden: a, nothing: b });
  const [ha, hb] = [json(await tool("get_intent", { intent: a.intent })), json(await tool("get_intent", { intent: b.intent }))];
  const journal = (h, u) => same(JSON.stringify(h.history.map((e) => ({ phase: e.phase, uuids: e.uuids, rationale: e.rationale }))), u);
  check(journal(ha, hidden) === journal(hb, nothing), `${what}: and journaled alike`, { hidden: ha.history, nothing: hb.history });
  await unchanged(what);
}
const place = { translation: [0, 0, 0], rotation: [0, 0, 0, 1], scale: [1, 1, 1] };
await sameAsNothing("assign a material only hidden objects use", (u) => [{ op: "assign_material", uuid: CUBE, slot: 2, material: u }], GOLD);
await sameAsNothing("make an object of the statue's mesh", (u) => [{ op: "create_object", uuid: "5ec7e700-0000-4000-8000-0000000000c1", name: "Copy", kind: "mesh", parent: null, ...place, mesh: u }], STATUE_MESH);
await sameAsNothing("make an object wearing Gold", (u) => [{ op: "create_object", uuid: "5ec7e700-0000-4000-8000-0000000000c1", name: "Copy", kind: "mesh", parent: null, ...place, mesh: CUBE_MESH, materials: [u] }], GOLD);
await sameAsNothing("reparent the cube under the plinth (an object under a hidden one)", (u) => [{ op: "set_parent", uuid: CUBE, parent: u }], PLINTH);
await sameAsNothing("move the plinth", (u) => [{ op: "set_transform", uuid: u, translation: [0, 9, 0] }], PLINTH);
await sameAsNothing("overwrite the statue's geometry", (u) => [{ op: "replace_mesh", uuid: u, positions: [[0, 0, 0], [1, 0, 0], [0, 1, 0]], triangles: [[0, 1, 2]] }], STATUE_MESH);
await sameAsNothing("rename Gold", (u) => [{ op: "rename", uuid: u, name: "Mine" }], GOLD);
await sameAsNothing("base an intent on the plinth's hash", () => [{ op: "set_transform", uuid: CUBE, translation: [1, 2, 0.5] }], PLINTH, NOWHERE, (u) => ({ based_on: { [u]: "0".repeat(64) } }));
await sameAsNothing("hide the statue (an h- ID)", (u) => [{ op: "set_visibility", uuid: u, visible: false }], STATUE);
await sameAsNothing("put a new object under the gem (an h- ID)", (u) => [{ op: "create_object", uuid: "5ec7e700-0000-4000-8000-0000000000c1", name: "x", kind: "empty", parent: u, ...place }], GEM);
await sameAsNothing("take the plinth's uuid for a new object (taken, like a visible one's)", (u) => [{ op: "create_object", uuid: u, name: "x", kind: "empty", parent: null, ...place }], PLINTH, CRATE);

// 4. Deleting an object with a hidden child waits for a human, exactly like deleting one without.
const delHandle = await submit([{ op: "delete_object", uuid: HANDLE, children: "reparent" }]);
const delCrate = await submit([{ op: "delete_object", uuid: CRATE, children: "delete" }]);
check(delHandle.phase === "PENDING" && delCrate.phase === "PENDING" && delHandle.reason === delCrate.reason,
  "deleting the Handle (hidden child) and the Crate (none) both wait for a human, even in destructive trust, with one reason", { delHandle, delCrate });
// The agent holding ai.token tries to approve its own delete behind the MCP server's back.
const aiToken = readFileSync(join(agentDir, "keys", "ai.token"), "utf8").trim();
const apiPort = JSON.parse(readFileSync(join(agentDir, "serve.json"), "utf8")).api_port;
// node:http, not fetch: fetch will not send a Host header of the caller's choosing, a rebinding page's would.
const raw = (method, path, body, host) => new Promise((resolve, reject) => {
  const headers = { Authorization: `Bearer ${aiToken}`, "Content-Type": "application/json", Host: host ?? `127.0.0.1:${apiPort}` };
  const request = httpRequest({ host: "127.0.0.1", port: apiPort, method, path, headers }, (reply) => {
    let t = "";
    reply.setEncoding("utf8");
    reply.on("data", (chunk) => (t += chunk));
    reply.on("end", () => resolve({ status: reply.statusCode, body: t.length ? JSON.parse(t) : null, text: t }));
  });
  request.on("error", reject);
  request.end(body);
});
for (const [method, path, body] of [
  ["POST", `/v1/intents/${delHandle.intent}/approve`], ["POST", `/v1/intents/${delHandle.intent}/deny`], ["POST", "/v1/pause"], ["POST", "/v1/resume"],
  ["POST", "/v1/emergency-unlock"], ["POST", "/v1/restore?ref=HEAD"], ["POST", "/v1/pair?engine=blender&replace=true"],
  ["POST", "/v1/intents?actor=human:cli", JSON.stringify({ operations: [{ op: "set_visibility", uuid: STATUE, visible: false }] })],
  ["POST", "/v1/intents", JSON.stringify({ operations: [{ op: "set_visibility", uuid: STATUE, visible: false }] })],
]) {
  const r = await raw(method, path, body);
  check(r.status === 403 && r.body?.code === "FORBIDDEN_FOR_AI", `with ai.token, ${method} ${path} is refused 403 FORBIDDEN_FOR_AI`, r);
}
const rebound = await raw("GET", "/v1/status", undefined, "evil.example");
check(rebound.status === 403 && rebound.body?.code === "BAD_HOST", "a request under another Host name (DNS rebinding) is refused", rebound);
check(cliStatus().sync.pending.includes(delHandle.intent), "the delete still waits", cliStatus().sync.pending);
for (const id of [delHandle.intent, delCrate.intent]) check(cliAnswer("deny", String(id)).phase === "REFUSED", `a human denies intent ${id}`, id);
await unchanged("after the deletes were denied");

// 5. The journal: a human's intent on hidden records only does not exist for the agent; a mixed one shows only what it sees.
const hiddenOnly = humanSubmits({ operations: [{ op: "set_transform", uuid: STATUE, translation: [6, 1, 0] }], rationale: "the statue, for the boss fight" });
check(hiddenOnly.phase === "FINAL", "a human moves the statue", hiddenOnly);
const mixed = humanSubmits({ operations: [{ op: "set_transform", uuid: CUBE, translation: [1, 2, 0.75] }, { op: "set_transform", uuid: STATUE, translation: [6, 2, 0] }], rationale: "the cube and the statue" });
check(mixed.phase === "FINAL", "a human moves the cube and the statue in one intent", mixed);
await baseline(); // the human changed them; from here on, the agent must not
const wrong = 999999;
for (const name of ["get_intent", "wait_intent"]) {
  const args = (i) => (name === "wait_intent" ? { intent: i, timeout_seconds: 1 } : { intent: i });
  const a = await tool(name, args(hiddenOnly.intent)), b = await tool(name, args(wrong));
  check(a.isError && /UNKNOWN_INTENT: /.test(text(a)) && text(a).split(String(hiddenOnly.intent)).join("N") === text(b).split(String(wrong)).join("N"),
    `${name} of a human's intent on hidden records only answers as a wrong number`, { hidden: text(a), wrong: text(b) });
}
const mixedSeen = json(await tool("get_intent", { intent: mixed.intent }));
check(mixedSeen.history.every((e) => JSON.stringify(e.uuids) === JSON.stringify([CUBE]) && e.rationale === null && !("expected_hash" in e) && !("observed_hash" in e)),
  "a mixed intent shows the agent only the cube: no hidden uuid, no hash over records it does not see, no human's words", mixedSeen.history);
// The agent's own entries echo the IDs it wrote (a missing uuid's too); no other entry names a hidden one.
const others = (entries) => JSON.stringify(entries.filter((e) => e.actor !== "ai:mallory"));
const wal = json(await tool("read_wal", { since: 0, limit: 500 }));
check(!wal.some((e) => e.intent === hiddenOnly.intent) && wal.some((e) => e.intent === mixed.intent) && HIDDEN.every((u) => !others(wal).includes(u)) && !/statue|boss/i.test(others(wal)),
  "read_wal leaves out the hidden intent and every hidden uuid, name and word", wal.slice(-6));
const tail = JSON.parse((await client.readResource({ uri: "vibesync://wal/tail" })).contents[0].text);
check(HIDDEN.every((u) => !others(tail).includes(u)) && !tail.some((e) => e.intent === hiddenOnly.intent), "the WAL tail resource too", tail.slice(-3));
const rawIntent = await raw("GET", `/v1/intents/${hiddenOnly.intent}`), rawState = await raw("GET", "/v1/state?engine=blender&space=canonical"), rawWal = await raw("GET", "/v1/wal?since=0&limit=1000");
check(rawIntent.status === 404 && rawIntent.body.code === "UNKNOWN_INTENT", "the control API itself answers the AI credential 404 for it", rawIntent);
check(rawState.status === 200 && HIDDEN.every((u) => !rawState.text.includes(u)) && !/Secret/.test(rawState.text), "and serves it Blender's state without a hidden record", rawState.text.slice(0, 300));
check(rawWal.status === 200 && HIDDEN.every((u) => !others(rawWal.body).includes(u)) && !rawWal.body.some((e) => e.intent === hiddenOnly.intent), "and its journal without one", rawWal.text.slice(-300));
await unchanged("after the journal reads");

// 6. Renaming to the hidden statue's name (and a material to Gold's) lands like any rename: nothing
// rolled back, so nothing confirms the name exists, and no safe mode after many.
for (let round = 0; round < 3; round++) {
  for (const [uuid, name] of [[CUBE, "Secret statue"], [RED, "Secret gold"], [CUBE, "Cube"], [RED, "Red"]]) {
    const r = await submit([{ op: "rename", uuid, name }]);
    const w = json(await tool("wait_intent", { intent: r.intent, timeout_seconds: 30 }));
    check(w.phase === "FINAL", `round ${round + 1}: renaming ${uuid === CUBE ? "the cube" : "Red"} to "${name}" is FINAL`, w);
    if (round === 0 && name.startsWith("Secret"))
      for (const engine of ["blender", "unity"]) {
        const back = json(await tool("read_state", { uuids: [uuid], engine }));
        const got = (back.records.objects[0] ?? back.records.materials[0]).name;
        check(got === name, `and ${engine} holds "${name}"`, back);
      }
  }
}
await sleep(1500); // Blender's change detection would report a renamed statue by now
await unchanged("after twelve renames to hidden names and back", { rootMayChange: true });
const ours = json(await tool("read_wal", { since: 0, limit: 500 })).filter((e) => e.actor === "ai:mallory");
check(!ours.some((e) => e.phase === "ROLLED_BACK"), "none of the agent's intents was rolled back", ours.filter((e) => e.phase === "ROLLED_BACK"));

// 7. And the engines still sync what the agent may change.
const move = await submit([{ op: "set_transform", uuid: CUBE, translation: [2, 0.5, -1] }]);
const moved = json(await tool("wait_intent", { intent: move.intent, timeout_seconds: 30 }));
check(moved.phase === "FINAL", "the agent moves the cube: FINAL", moved);
for (const engine of ["blender", "unity"]) {
  const t = json(await tool("read_state", { uuids: [CUBE], engine })).records.objects[0].translation;
  check(Math.abs(t[0] - 2) < 1e-4 && Math.abs(t[2] + 1) < 1e-4, `read back from ${engine}: the cube moved`, t);
}
await unchanged("at the end", { rootMayChange: true });

await client.close();
console.log("done");
