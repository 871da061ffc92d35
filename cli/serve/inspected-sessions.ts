/**
 * `baton serve --inspect`: one live actor per project in the Stately inspector, for as long as
 * the service runs. Each follows its project's event log, whoever wrote it (the service, the
 * CLI, another process), and is fed each line's events in order, with the invoked actors'
 * results from the log (replay's actor), so the inspector shows the session's own lifecycle,
 * not a new actor per command.
 */
import type { Actor, InspectionEvent } from 'xstate';
import type { SessionMachine } from '../../machines/session.js';
import { readLog } from '../../services/lifecycle/event-log.js';
import { feedEntry, startReplayActor } from '../../services/lifecycle/replay.js';
import { projectPaths } from '../../services/project/paths.js';
import { ownFileStats } from '../../services/storage/write.js';

interface Mirror {
  actor: Actor<SessionMachine> | null;
  revision: number;
  stamp: string;
}

export interface InspectedSessions {
  /** A project the service heard from: followed from now on (its log so far is played first). */
  follow(root: string): void;
  /** Feeds each followed project's new log lines; cheap when nothing changed (one stat). */
  catchUp(): void;
  stop(): void;
}

export function inspectSessions(inspect: (event: InspectionEvent) => void): InspectedSessions {
  const mirrors = new Map<string, Mirror>();
  function catchUpOne(root: string, mirror: Mirror): void {
    const paths = projectPaths(root);
    const stat = ownFileStats(paths, paths.events);
    const stamp = stat ? `${stat.mtimeMs}:${stat.size}` : 'none';
    if (stamp === mirror.stamp) return;
    mirror.stamp = stamp;
    for (const entry of readLog(paths).entries) {
      if (entry.revision <= mirror.revision) continue;
      if (entry.reset || !mirror.actor) {
        // A recovery restarted the session from a snapshot, or the first line seen: a new actor.
        mirror.actor?.stop();
        mirror.actor = startReplayActor({ ...(entry.reset ? { snapshot: entry.reset } : {}), inspect, id: root });
      }
      feedEntry(mirror.actor, entry);
      mirror.revision = entry.revision;
    }
  }
  return {
    follow(root) {
      if (mirrors.has(root)) return;
      const mirror: Mirror = { actor: null, revision: 0, stamp: '' };
      mirrors.set(root, mirror);
      catchUpOne(root, mirror);
    },
    catchUp() {
      for (const [root, mirror] of mirrors) catchUpOne(root, mirror);
    },
    stop() {
      for (const mirror of mirrors.values()) mirror.actor?.stop();
    },
  };
}
