/**
 * Runs `task` every `intervalMs`, on a steady beat: each run is due one interval after the
 * previous one was due (not after it ended), whatever the interval (a cron rule such as
 * `*\/45 * * * * *` would fire at :00 and :45, 45 s then 15 s apart). A run still going when the
 * next is due makes that one wait for it; runs never overlap.
 */
export function createSteadyTimer(
  intervalMs: () => number,
  task: () => Promise<void>,
  now: () => number = Date.now
) {
  let timer: NodeJS.Timeout | undefined;
  let dueAt = 0;
  let stopped = true;
  let running: Promise<void> | null = null;

  function schedule() {
    if (stopped) return;
    dueAt += intervalMs();
    // Behind by more than one beat (a long run, a paused process): the next beat is from now.
    if (dueAt < now()) dueAt = now();
    timer = setTimeout(fire, dueAt - now());
    timer.unref();
  }

  function fire() {
    running = task().finally(() => {
      running = null;
      schedule();
    });
  }

  return {
    /** Runs the task now, then on every beat. */
    start(): void {
      if (!stopped) return;
      stopped = false;
      dueAt = now();
      fire();
    },
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
