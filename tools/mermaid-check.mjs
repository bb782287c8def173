// Is each diagram accepted by Mermaid itself? The pinned `mermaid` package (package.json), the parser GitHub's
// renderer runs, in one Node process for every diagram: no browser.
//
// stdin:  a JSON list of {"name": ..., "text": ...} (text: a diagram, without its ``` fence)
// stdout: a JSON list, one entry per diagram in the same order:
//         {"name": ..., "type": "flowchart-v2"} when Mermaid accepts it,
//         {"name": ..., "error": "<Mermaid's error message>"} when it does not
// exit:   0 when every diagram is accepted, 1 when one is not, 2 on bad input
//
// mermaid.parse() needs a DOM only for DOMPurify (it sanitizes labels while parsing): jsdom gives it one.
// Parsing checks the syntax and every label; it lays nothing out, so it needs no browser's fonts or layout.

import { JSDOM } from "jsdom";

const { window } = new JSDOM("<!DOCTYPE html><html><body></body></html>");
globalThis.window = window;
globalThis.document = window.document;

// Imported only now: DOMPurify binds to the window it finds when first loaded.
const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false, logLevel: "fatal", securityLevel: "strict" });

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

let diagrams;
try {
  diagrams = JSON.parse(await readStdin());
  if (!Array.isArray(diagrams) || !diagrams.every((d) => typeof d?.name === "string" && typeof d?.text === "string")) {
    throw new Error('expected a JSON list of {"name": string, "text": string}');
  }
} catch (err) {
  process.stderr.write(`error: stdin: ${err.message}\n`);
  process.exit(2);
}

const results = [];
for (const { name, text } of diagrams) {
  try {
    const { diagramType } = await mermaid.parse(text);
    results.push({ name, type: diagramType });
  } catch (err) {
    results.push({ name, error: String(err?.message ?? err) });
  }
}
process.stdout.write(JSON.stringify(results, null, 1) + "\n");
process.exitCode = results.some((r) => "error" in r) ? 1 : 0;
