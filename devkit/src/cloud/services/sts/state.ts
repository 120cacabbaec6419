/** STS's recorded state: the role, user and root sessions it issued, until they expire. */
import type { SessionRecord, StsRecords, UserSessionRecord } from '../../access/identities.ts';
import { nameMap } from '../common.ts';

export type StsState = StsRecords;

export const initialStsState = (): StsState => ({ sessions: nameMap() });

/** Records a session, dropping the expired ones so the state holds live sessions only. */
export function recordSession(state: StsState, session: SessionRecord, nowMs: number): void {
  // State saved before sessions existed has none.
  state.sessions ??= nameMap();
  for (const [key, old] of Object.entries(state.sessions))
    if (old.expiresMs <= nowMs) delete state.sessions[key];
  state.sessions[session.accessKeyId] = session;
}

/** Records a user's or the root's session (GetSessionToken, GetFederationToken), dropping expired ones. */
export function recordUserSession(state: StsState, session: UserSessionRecord, nowMs: number): void {
  const sessions = (state.userSessions ??= nameMap());
  for (const [key, old] of Object.entries(sessions)) if (old.expiresMs <= nowMs) delete sessions[key];
  sessions[session.accessKeyId] = session;
}
