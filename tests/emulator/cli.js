#!/usr/bin/env node
'use strict';

// `npm run emulator`: runs the iFlyChat emulator on its own.
//   IFLYCHAT_EMULATOR_PORT (default 4010), IFLYCHAT_EMULATOR_KEY (default emulator-api-key),
//   IFLYCHAT_EMULATOR_LATENCY_MS (default 0).
const { createEmulator } = require('./server');

async function main() {
  const emulator = createEmulator({
    apiKey: process.env.IFLYCHAT_EMULATOR_KEY || 'emulator-api-key',
    latencyMs: Number(process.env.IFLYCHAT_EMULATOR_LATENCY_MS || 0),
  });
  await emulator.start(Number(process.env.IFLYCHAT_EMULATOR_PORT || 4010) || 0);
  console.log(`iFlyChat emulator listening on ${emulator.url}`);
  console.log(`  rooms:    ${emulator.url}/  (a page for people)`);
  console.log(`  API key:  ${emulator.apiKey}`);
  const stop = () => {
    emulator.stop().then(
      () => process.exit(0),
      () => process.exit(1)
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
