/**
 * Every port a devkit command listens on by default, in one place so they stay distinct from each
 * other and from the README's own "other ports" example (`--port 4577 --lb-port 8081`): a user who
 * follows it, then starts the replay server or the recorder, meets no conflict.
 */
export const DEFAULT_PORTS = {
  /** The local cloud (`up`, `cloud`, `down`): LocalStack's port, so AWS tooling habits carry over. */
  cloud: 4566,
  /** The service's load balancer under `up` (the stack's `${opt:lb-port, 8080}`). */
  service: 8080,
  /** `rehearse`: not the two above, so a running `npm run up` is left alone. */
  rehearseCloud: 4599,
  rehearseService: 8099,
  /** `gemini-mock` and `record` on the host. */
  geminiMock: 4580,
  record: 4581,
} as const;
