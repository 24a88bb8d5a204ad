// Part of `pnpm build`: tsc emits only JavaScript, so the files the services read at run time
// next to their modules (the Lua scripts) are copied into dist/ at the same relative path.
import { cpSync, readdirSync } from 'node:fs';

for (const pkg of ['common', 'attendance-service', 'dashboard-service', 'tasks']) {
  for (const file of readdirSync(`${pkg}/src`, { recursive: true, encoding: 'utf8' })) {
    if (file.endsWith('.lua')) cpSync(`${pkg}/src/${file}`, `${pkg}/dist/${file}`);
  }
}
