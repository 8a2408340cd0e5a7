import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, test } from 'vitest';
import { migrations } from '../../src/main/store/migrations.ts';
import { openStore, STORE_FILE_NAME, StoreOpenError } from '../../src/main/store/index.ts';
import { tempDir } from '../helpers/tempDir.ts';

describe('store', () => {
  test('an empty data dir is migrated to the newest schema, in WAL mode with foreign keys on', () => {
    const store = openStore(tempDir());
    try {
      expect(store.schemaVersion()).toBe(migrations.at(-1)?.version);
      expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(store.db.pragma('foreign_keys', { simple: true })).toBe(1);
      const tables = store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
      expect(tables).toEqual(expect.arrayContaining(['projects', 'settings']));
    } finally {
      store.close();
    }
  });

  test('reopening keeps the data and applies no migration twice', () => {
    const dir = tempDir();
    const first = openStore(dir);
    first.db.prepare("INSERT INTO settings (key, value) VALUES ('theme', '\"dark\"')").run();
    first.close();
    const second = openStore(dir);
    try {
      expect(second.db.prepare("SELECT value FROM settings WHERE key = 'theme'").pluck().get()).toBe('"dark"');
      expect(second.schemaVersion()).toBe(migrations.at(-1)?.version);
    } finally {
      second.close();
    }
  });

  test('migrations run in order and only the new ones run on an older file', () => {
    const dir = tempDir();
    const v1 = [{ version: 1, name: 'one', sql: 'CREATE TABLE a (x INTEGER);' }];
    openStore(dir, { migrations: v1 }).close();
    const v2 = [...v1, { version: 2, name: 'two', sql: 'ALTER TABLE a ADD COLUMN y INTEGER;' }];
    const store = openStore(dir, { migrations: v2 });
    try {
      expect(store.schemaVersion()).toBe(2);
      const columns = store.db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('a');
      expect(columns).toEqual(['x', 'y']);
    } finally {
      store.close();
    }
  });

  test('a failing migration leaves the file at the previous version', () => {
    const dir = tempDir();
    const good = [{ version: 1, name: 'one', sql: 'CREATE TABLE a (x INTEGER);' }];
    openStore(dir, { migrations: good }).close();
    const broken = [...good, { version: 2, name: 'broken', sql: 'CREATE TABLE b (y INTEGER); THIS IS NOT SQL;' }];
    expect(() => openStore(dir, { migrations: broken })).toThrow();
    const db = new Database(join(dir, STORE_FILE_NAME));
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(1);
      expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'b'").pluck().get()).toBe(0);
    } finally {
      db.close();
    }
  });

  test('a corrupt file is refused with a clear error and left byte for byte as it was', () => {
    const dir = tempDir();
    const file = join(dir, STORE_FILE_NAME);
    const garbage = Buffer.concat([Buffer.from('this is not a database'), Buffer.alloc(8192, 7)]);
    writeFileSync(file, garbage);
    let thrown: unknown;
    try {
      openStore(dir);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(StoreOpenError);
    expect((thrown as StoreOpenError).kind).toBe('store-corrupt');
    expect((thrown as StoreOpenError).message).toMatch(/damaged.*left untouched/);
    expect(readFileSync(file).equals(garbage)).toBe(true);
  });

  test('a database whose pages were damaged is refused too', () => {
    const dir = tempDir();
    const store = openStore(dir);
    const insert = store.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?)');
    store.transact(() => {
      for (let i = 0; i < 2000; i += 1) insert.run(`key-${i}`, 'x'.repeat(200));
    });
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    store.close();
    const file = join(dir, STORE_FILE_NAME);
    const bytes = readFileSync(file);
    // Overwrite the middle of the file (b-tree pages), keeping the valid header.
    bytes.fill(0xa5, 8192, 8192 + 16384);
    writeFileSync(file, bytes);
    expect(() => openStore(dir)).toThrow(StoreOpenError);
    expect(readFileSync(file).equals(bytes)).toBe(true);
  });
});
