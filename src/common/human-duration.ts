// docker/go-units HumanDuration: the human text Docker puts in `Up 3 seconds`, `Exited (0) 5 minutes ago`,
// `3 days ago`. Daemon-side twin of the CLI's humanDuration (src/cli/units.ts), which src/container must
// not import.

/**
 * units.HumanDuration for a duration in milliseconds: `Less than a second` (also for negative
 * durations), `1 second`, `N seconds`, `About a minute`, `N minutes`, `About an hour`, `N hours`
 * (< 48 h, hours rounded), `N days` (< 2 weeks), `N weeks` (< 60 days), `N months` (< 2 years),
 * `N years`. Go truncates toward zero wherever it converts to int.
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.trunc(ms / 3_600_000 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(Math.trunc(ms / 3_600_000) / 24 / 365)} years`;
}
