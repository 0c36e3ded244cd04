// The store's live_messages table: remembered per destination and run, forgotten after 30 days,
// and added to a store file an older bridge wrote (schema 1) without losing what it holds.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { LocalStore } from '../../../lambda/adapters/local/local-store';

const storePath = () => join(mkdtempSync(join(tmpdir(), 'tfe-bridge-live-rows-')), 'bridge.db');
const message = {
  messageId: '1700000001.000100',
  channel: 'C0LIVE00001',
  timeline: [{ at: '2020-09-09T07:40:15.000Z', status: 'pending', message: 'Run Created' }],
};

describe('live_messages in the local store', () => {
  it('remembers a run’s message per destination and run, and survives a reopen', async () => {
    const path = storePath();
    const store = LocalStore.open(path);
    await store.liveMessages.save('runs/chat', 'run-1', message);
    await store.liveMessages.save('runs/chat', 'run-1', { ...message, timeline: [] });
    expect(await store.liveMessages.read('runs/other', 'run-1')).toBeUndefined();
    store.close();
    const again = LocalStore.open(path);
    expect(await again.liveMessages.read('runs/chat', 'run-1')).toEqual({ ...message, timeline: [] });
    again.close();
  });

  it('forgets a message after 30 days', async () => {
    let now = Date.UTC(2026, 0, 1);
    const store = LocalStore.open(storePath(), { now: () => now });
    await store.liveMessages.save('runs/chat', 'run-1', message);
    now += 30 * 24 * 3600 * 1000 + 1;
    expect(await store.liveMessages.read('runs/chat', 'run-1')).toBeUndefined();
    store.close();
  });

  it('adds the table to a schema-1 store file and keeps its rows', async () => {
    const path = storePath();
    const first = LocalStore.open(path);
    await first.replayGuard.remember('seen-key', 3600);
    first.close();
    // What a store written before live messages looks like: no table, user_version 1.
    const db = new Database(path);
    db.exec('DROP TABLE live_messages');
    db.pragma('user_version = 1');
    db.close();

    const store = LocalStore.open(path);
    expect(await store.replayGuard.seen('seen-key')).toBe(true);
    await store.liveMessages.save('runs/chat', 'run-1', message);
    expect(await store.liveMessages.read('runs/chat', 'run-1')).toEqual(message);
    store.close();
    const check = new Database(path, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(2);
    check.close();
  });
});
