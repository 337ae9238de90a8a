/**
 * Under `npm start` / `npm run worker`, Baton is not npm's child but its
 * grandchild (npm runs the script through `sh -c`): a SIGTERM to npm's pid
 * (what a process manager sends) ends npm and the shell, and never reaches
 * Baton. What Baton can see is being orphaned: its parent process id changes.
 * When it does, Baton stops as it would on SIGTERM.
 *
 * Only when started by an npm script (npm sets npm_lifecycle_event): a process
 * started directly stays under its own supervisor's control.
 */
export function watchParent(env: Record<string, string | undefined>, onOrphaned: () => void, everyMs = 200): NodeJS.Timeout | undefined {
  if (!env.npm_lifecycle_event) return undefined;
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onOrphaned();
  }, everyMs);
  timer.unref();
  return timer;
}
