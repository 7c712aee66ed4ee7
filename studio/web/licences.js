// Gathers the licence of every package the bundle holds into ../../srg_rules/studio/static/LICENSES.txt.
const fs = require("fs");
const path = require("path");
const lock = JSON.parse(fs.readFileSync("package-lock.json", "utf8"));
const out = ["Third-party software in editor.js (bundled by esbuild from the npm registry).", ""];
for (const [where, info] of Object.entries(lock.packages)) {
  if (!where || info.dev && where.includes("esbuild")) continue;
  const dir = where;
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /^licen[cs]e/i.test(f)) : [];
  out.push("=".repeat(78), `${where.replace(/^node_modules\//, "")} ${info.version} (${info.license})`, "=".repeat(78));
  for (const f of files) out.push(fs.readFileSync(path.join(dir, f), "utf8").trim());
  out.push("");
}
fs.writeFileSync("../../srg_rules/studio/static/LICENSES.txt", out.join("\n") + "\n");
