// `npm run test:unit`: the files not named *.int.test.ts, without the shared SQS server, so a unit
// test that starts to depend on it fails here instead of quietly becoming an integration test.
// (Some still run the built CLI for --help or `k8s manifests`, which need no server: hence the build.)
import { configDefaults, defineConfig } from 'vitest/config';
import { shared } from './vitest.config.js';

export default defineConfig({
  test: { ...shared, include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, 'test/**/*.int.test.ts'] },
});
