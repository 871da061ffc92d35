/**
 * What the storage layer did on its own that the user must hear about (a bad file moved
 * aside, a link refused). Collected here so no code path can do it silently: the CLI prints
 * whatever is left when a command ends, and the entry report takes them into its warnings.
 */
const pending: string[] = [];

export function notice(message: string): void {
  if (!pending.includes(message)) pending.push(message);
}

/** The notices so far, removed from the queue (each is told once). */
export function takeNotices(): string[] {
  return pending.splice(0, pending.length);
}
