// Submits one intent as an AI agent through `vibesync mcp`, with the official TypeScript MCP SDK client:
//   node submit.mjs DATA_DIR CLI_DLL INTENT_JSON
// INTENT_JSON is submit_intent's arguments ({"operations": [...], "rationale": "..."}). Prints the
// tool's answer (JSON) on the last line; exits 1 when the tool answers an error. The console tests use it.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const [dataDir, cliDll, intentJson] = process.argv.slice(2);
const transport = new StdioClientTransport({ command: "dotnet", args: [cliDll, "mcp", "--data", dataDir, "--name", "console-test"], stderr: "inherit" });
const client = new Client({ name: "vibesync-console-test-agent", version: "1.0.0" });
await client.connect(transport);
const answer = await client.callTool({ name: "submit_intent", arguments: JSON.parse(intentJson) });
const text = answer.content.map((c) => c.text ?? "").join("");
await client.close();
console.log(text.replace(/\n/g, " "));
process.exit(answer.isError ? 1 : 0);
