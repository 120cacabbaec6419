/**
 * The container's HEALTHCHECK: exit 0 when GET /health answers 200 within 3 s, else 1.
 * A script rather than curl because the runtime image has neither a shell nor curl.
 */
const port = process.env.PORT || '8080';
try {
  const response = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(3_000) });
  process.stdout.write(`health: HTTP ${response.status} ${await response.text()}\n`);
  process.exit(response.ok ? 0 : 1);
} catch (err) {
  process.stdout.write(`health: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
