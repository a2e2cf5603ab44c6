// A whole agent session against `vibesync mcp`, with the official TypeScript MCP SDK client:
//   node session.mjs DATA_DIR CLI_DLL
// The orchestrator of DATA_DIR must be running in supervised trust with Blender and Unity attached
// (the C# end-to-end test sets that up). Prints one line per step; exits 1 on the first failure.
import { execFileSync } from "node:child_process";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const notRunning = process.argv[2] === "--not-running";
const [dataDir, cliDll] = process.argv.slice(notRunning ? 3 : 2);
const CUBE = "5f1d2c4e-8a3b-4c6d-9e7f-0a1b2c3d4e5f";
const HIDDEN_LIGHT = "h-1a1a1a1a-2b2b-4c3c-8d4d-5e5e5e5e5e5e";

function check(condition, what, detail) {
  if (!condition) {
    console.log(`FAIL ${what}: ${typeof detail === "string" ? detail : JSON.stringify(detail)}`);
    process.exit(1);
  }
  console.log(`ok ${what}`);
}

const text = (result) => result.content.map((c) => c.text ?? "").join("");
const json = (result) => JSON.parse(text(result));
const cli = (...args) => execFileSync("dotnet", [cliDll, ...args, "--data", dataDir], { encoding: "utf8" });
const realityRoot = () => JSON.parse(cli("status", "--json")).sync.reality_root;

const transport = new StdioClientTransport({ command: "dotnet", args: [cliDll, "mcp", "--data", dataDir, "--name", "claude"], stderr: "inherit" });
const client = new Client({ name: "vibesync-test-agent", version: "1.0.0" });
await client.connect(transport);
check(client.getServerVersion()?.name === "vibesync", "connected over stdio", client.getServerVersion());

if (notRunning) {
  // No serve on this data directory: every tool says so, with the command that starts one.
  const answer = await client.callTool({ name: "status", arguments: {} });
  check(answer.isError && /NOT_RUNNING/.test(text(answer)) && /vibesync serve --data/.test(text(answer)), "with no orchestrator, a tool error says how to start one", text(answer));
  await client.close();
  console.log("done");
  process.exit(0);
}

// The tools, their annotations and schemas.
const { tools } = await client.listTools();
const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
for (const name of ["status", "list_objects", "read_state", "submit_intent", "get_intent", "wait_intent", "read_wal", "list_locks"])
  check(byName[name], `tool ${name} is listed`, tools.map((t) => t.name));
check(!tools.some((t) => /approve|deny|unlock|pause|resume|rollback|exec|code/.test(t.name)), "no tool approves, unlocks, pauses, rolls back or runs code", tools.map((t) => t.name));
check(byName.status.annotations?.readOnlyHint === true && byName.read_state.annotations?.readOnlyHint === true, "reads are annotated read-only", byName.status.annotations);
check(byName.submit_intent.annotations?.destructiveHint === true && byName.submit_intent.annotations?.readOnlyHint === false, "submit_intent is annotated as a change", byName.submit_intent.annotations);
check(byName.submit_intent.inputSchema?.required?.includes("rationale"), "submit_intent requires a rationale in its schema", byName.submit_intent.inputSchema);

// Where things stand, and what the agent may see.
const status = json(await client.callTool({ name: "status", arguments: {} }));
check(status.you_are === "ai:claude" && status.engines.every((e) => e.phase === "live"), "status: both engines live", status);
const listed = json(await client.callTool({ name: "list_objects", arguments: { name_contains: "cube" } }));
check(listed.objects.length === 1 && listed.objects[0].uuid === CUBE, "list_objects finds the Cube by name", listed);
const everything = json(await client.callTool({ name: "list_objects", arguments: { limit: 200 } }));
check(!everything.objects.some((o) => o.uuid.startsWith("h-")), "objects kept from AI are not listed", everything);
const read = json(await client.callTool({ name: "read_state", arguments: { uuids: [CUBE] } }));
const hash = read.hashes[CUBE];
check(hash && read.records.objects[0].uuid === CUBE, "read_state returns the record and its hash", read);

// A change: PENDING under supervised trust, approved by a human at the CLI, FINAL, in both engines.
const submitted = json(await client.callTool({
  name: "submit_intent",
  arguments: {
    operations: [{ op: "set_transform", uuid: CUBE, translation: [5, 0.5, -2] }],
    rationale: "move the cube out of the camera's way",
    based_on: { [CUBE]: hash },
  },
}));
check(submitted.phase === "PENDING", "the AI's intent waits for a human (PENDING)", submitted);
const approved = JSON.parse(cli("approve", String(submitted.intent)));
check(approved.phase === "FINAL", "a human approves it through the CLI", approved);
const waited = json(await client.callTool({ name: "wait_intent", arguments: { intent: submitted.intent, timeout_seconds: 30 } }));
check(waited.phase === "FINAL" && waited.timed_out === false, "wait_intent sees it FINAL", waited);
for (const engine of ["blender", "unity"]) {
  const back = json(await client.callTool({ name: "read_state", arguments: { uuids: [CUBE], engine } }));
  const t = back.records.objects[0].translation;
  check(Math.abs(t[0] - 5) < 1e-4 && Math.abs(t[2] + 2) < 1e-4, `read back from ${engine}: the cube is at (5, 0.5, -2)`, back);
}
const stale = json(await client.callTool({
  name: "submit_intent",
  arguments: { operations: [{ op: "set_visibility", uuid: CUBE, visible: false }], rationale: "hide it", based_on: { [CUBE]: hash } },
}));
check(stale.phase === "REFUSED" && stale.code === "STALE", "an intent based on a stale read is refused (STALE)", stale);
const wal = json(await client.callTool({ name: "read_wal", arguments: { since: 0, limit: 500 } }));
check(wal.some((e) => e.intent === submitted.intent && e.phase === "FINAL" && e.actor === "ai:claude"), "read_wal shows the intent FINAL, by ai:claude", wal.slice(-5));

// Resources: the scene and the journal's tail.
const { resources } = await client.listResources();
check(["vibesync://scene", "vibesync://wal/tail"].every((u) => resources.some((r) => r.uri === u)), "the scene and the WAL tail are resources", resources);
const sceneResource = JSON.parse((await client.readResource({ uri: "vibesync://scene" })).contents[0].text);
check(sceneResource.objects.some((o) => o.uuid === CUBE) && !sceneResource.objects.some((o) => o.uuid.startsWith("h-")), "the scene resource has the cube and nothing kept from AI", sceneResource.objects.map((o) => o.uuid));
const tail = JSON.parse((await client.readResource({ uri: "vibesync://wal/tail" })).contents[0].text);
check(tail.some((e) => e.intent === submitted.intent), "the WAL tail resource shows the intent", tail.slice(-3));

// What the agent cannot do; nothing changes.
const before = realityRoot();
const hiddenRead = await client.callTool({ name: "read_state", arguments: { uuids: [HIDDEN_LIGHT] } });
check(hiddenRead.isError && /HIDDEN_FROM_AI/.test(text(hiddenRead)), "reading an object kept from AI is refused", text(hiddenRead));
const hiddenWrite = json(await client.callTool({
  name: "submit_intent", arguments: { operations: [{ op: "set_visibility", uuid: HIDDEN_LIGHT, visible: false }], rationale: "too bright" },
}));
check(hiddenWrite.phase === "REFUSED" && hiddenWrite.code === "HIDDEN_FROM_AI", "touching an object kept from AI is refused", hiddenWrite);
let approveAttempt;
try { approveAttempt = await client.callTool({ name: "approve", arguments: { intent: submitted.intent } }); } catch (e) { approveAttempt = { isError: true, content: [{ text: String(e) }] }; }
check(approveAttempt.isError, "an AI attempt to approve is refused (there is no such tool)", approveAttempt);
let malformed;
try { malformed = await client.callTool({ name: "submit_intent", arguments: { operations: "rm -rf /" } }); } catch (e) { malformed = { isError: true, content: [{ text: String(e) }] }; }
check(malformed.isError, "a malformed tool call (no rationale, operations not a list) gets an error", malformed);
const badOp = await client.callTool({ name: "submit_intent", arguments: { operations: [{ op: "exec", uuid: CUBE, code: "import os" }], rationale: "try" } });
check(badOp.isError && /UNKNOWN_OPERATION|UNKNOWN_FIELD/.test(text(badOp)), "an operation outside the vocabulary is a tool error with the code", text(badOp));
check(realityRoot() === before, "and nothing changed", { before, after: realityRoot() });

await client.close();
console.log("done");
