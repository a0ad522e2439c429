// Compiles contracts/TestToken.sol with the pinned solc-js into
// contracts/contracts.json (ABI, creation bytecode, method selectors, the
// compiler version and the source's SHA-256). Deterministic: the same source
// and solc version give the same bytes. Usage: npm run compile
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");
const solc = require("solc");

const SOURCE = path.join(__dirname, "contracts", "TestToken.sol");
const OUTPUT = path.join(__dirname, "contracts", "contracts.json");

const source = fs.readFileSync(SOURCE, "utf8");
const input = {
  language: "Solidity",
  sources: { "TestToken.sol": { content: source } },
  settings: {
    evmVersion: "shanghai", // ganache 7.9's newest hardfork
    optimizer: { enabled: true, runs: 200 },
    outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.methodIdentifiers"] } },
  },
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors || []).filter((e) => e.severity === "error");
if (errors.length) {
  for (const e of errors) console.error(e.formattedMessage);
  process.exit(1);
}
const contracts = {};
for (const [name, c] of Object.entries(output.contracts["TestToken.sol"])) {
  contracts[name] = {
    abi: c.abi,
    bytecode: "0x" + c.evm.bytecode.object,
    methods: c.evm.methodIdentifiers,
  };
}
const result = {
  compiler: "solc-js " + solc.version(),
  settings: input.settings,
  source: "TestToken.sol",
  source_sha256: crypto.createHash("sha256").update(source).digest("hex"),
  contracts,
};
fs.writeFileSync(OUTPUT, JSON.stringify(result, null, 2) + "\n");
console.log("wrote " + path.relative(process.cwd(), OUTPUT));
