// Simulated time: integer seconds since a fixed epoch, advanced by the simulator each round,
// so that timestamps and ages are the same on every run.
const EPOCH_MS = Date.UTC(2026, 0, 1);

export class Clock {
  now = 0;

  /** RFC 3339 without fractions, as the API server writes timestamps. */
  timestamp(seconds = this.now): string {
    return new Date(EPOCH_MS + seconds * 1000).toISOString().replace('.000Z', 'Z');
  }

  /** NaN, which is neither before nor after any time, when there is no timestamp. */
  seconds(timestamp: string | null | undefined): number {
    return (Date.parse(timestamp ?? '') - EPOCH_MS) / 1000;
  }

  /** How long ago timestamp was, as kubectl prints it in AGE columns. */
  age(timestamp: string | null | undefined): string {
    return timestamp ? humanDuration(this.now - this.seconds(timestamp)) : '<unknown>';
  }
}

/** kubectl's rendering of a duration (k8s.io/apimachinery/pkg/util/duration.HumanDuration). */
export function humanDuration(seconds: number): string {
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 8) return hours % 24 === 0 ? `${days}d` : `${days}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.floor(days / 365);
  if (hours < 24 * 365 * 8) return days % 365 === 0 ? `${years}y` : `${years}y${days % 365}d`;
  return `${years}y`;
}
