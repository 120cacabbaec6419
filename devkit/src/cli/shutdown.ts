/**
 * Ends a long-running command on the first SIGINT or SIGTERM: `close` runs once, then the process
 * exits 0, or 1 with one line saying why when closing failed (an async signal handler would turn
 * that failure into an unhandled rejection). The handlers fire once, so a second Ctrl-C while
 * closing hangs gets Node's default: the process ends at once. Returns a function that removes them.
 */
export function onShutdown(close: () => Promise<void>): () => void {
  const handler = (): void => {
    remove();
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(
          `error: could not stop cleanly: ${error instanceof Error ? error.message : String(error)}`,
        );
        process.exit(1);
      },
    );
  };
  const remove = (): void => {
    process.removeListener('SIGINT', handler);
    process.removeListener('SIGTERM', handler);
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  return remove;
}
