// Lifecycle notifications (--addnodes, --delnodes, --reconnect) as events published in the
// cluster's ConfigMap. Each event names the roles whose members run it; the guest agent runs
// the events it has not run yet, in order, and skips what it already knows (see PROTOCOL.md).
import type { AppRole, KubeDirectorAppSpec } from '../api/app.js';
import { setupPackageOf } from './app-queries.js';

export type EventName = 'configure' | 'addnodes' | 'delnodes' | 'leave';
/** What a role takes when neither it nor the app lists events: upstream's three (leave is opt-in). */
export const ALL_EVENTS: EventName[] = ['configure', 'addnodes', 'delnodes'];

export interface NotificationEvent {
  generation: number;
  index: number;
  /** Roles whose members run it. */
  roles: string[];
  /** Startscript arguments, e.g. --addnodes --nodegroup 1 --role worker --fqdns a,b */
  args: string[];
}

export const eventId = (event: Pick<NotificationEvent, 'generation' | 'index'>) => `${event.generation}.${event.index}`;

/** Events a role's startscript handles: its own list, else the app's default, else all. */
export function roleEvents(app: KubeDirectorAppSpec, role: AppRole): EventName[] {
  return role.eventList ?? app.defaultEventList ?? ALL_EVENTS;
}

/** Roles with a startscript that takes this notification. --reconnect goes to every role with a startscript, as upstream. */
export function rolesTaking(app: KubeDirectorAppSpec, roleIds: string[], name: 'addnodes' | 'delnodes' | 'leave' | 'reconnect'): string[] {
  return roleIds.filter((id) => {
    const role = app.roles.find((r) => r.id === id);
    if (!role || !setupPackageOf(app, role)) return false;
    return name === 'reconnect' || roleEvents(app, role).includes(name);
  });
}

export function membershipEvent(name: 'addnodes' | 'delnodes' | 'leave', role: string, fqdns: string[], targets: string[]) {
  return { roles: targets, args: [`--${name}`, '--nodegroup', '1', '--role', role, '--fqdns', fqdns.join(',')] };
}

export const reconnectEvent = (targets: string[]) => ({ roles: targets, args: ['--reconnect'] });

/** The events file: `<id> TAB <roles> TAB <arg>...`, one event per line. */
export function formatEvents(events: NotificationEvent[]): string {
  return events.map((e) => [eventId(e), e.roles.join(','), ...e.args].join('\t') + '\n').join('');
}

export function parseEvents(text: string | undefined): NotificationEvent[] {
  return (text ?? '')
    .split('\n')
    .filter(Boolean)
    .flatMap((line) => {
      const [id = '', roles = '', ...args] = line.split('\t');
      const match = /^(\d+)\.(\d+)$/.exec(id);
      return match ? [{ generation: Number(match[1]), index: Number(match[2]), roles: roles ? roles.split(',') : [], args }] : [];
    });
}

/** The FQDNs an addnodes or delnodes event is about. */
export function eventFqdns(event: NotificationEvent): string[] {
  const at = event.args.indexOf('--fqdns');
  const list = at >= 0 ? event.args[at + 1] : undefined;
  return list ? list.split(',') : [];
}
