import { defineConfig } from 'vitest/config';

// Unit tests run in parallel; integration tests start real registries (docker-registry, skopeo, umoci)
// and are given generous timeouts because they move real bytes.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx', 'renderer/**/*.test.tsx'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
