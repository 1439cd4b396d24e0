/**
 * One real SQS-compatible server (fauxqs over HTTP) for the whole suite; tests reach it with the
 * real AWS SDK, boto3, or the sqs-blast CLI in a child process.
 */
import { startFauxqs } from 'fauxqs';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    sqsEndpoint: string;
  }
}

export default async function setup(project: TestProject) {
  const server = await startFauxqs({ port: 0, logger: false });
  project.provide('sqsEndpoint', `http://127.0.0.1:${server.port}`);
  return async () => {
    await server.stop();
  };
}
