// How every BooCode process reaches the core of a data folder: it becomes the folder's owner and
// runs the core itself, or, when another live process owns the folder, it works as that
// owner's client over the control socket. When the owner goes away (it exits, or is killed),
// the link takes ownership itself — or follows whoever took it first — without a restart, and
// every subscriber is told to resync.
import { fail, ok, type BooApi, type CommandArgs, type CommandName, type CommandResult, type Result, type SubscribeResult, type SubscriptionMessage } from '../../shared/contract.ts';
import {
  connectControl,
  DataDirOwnedError,
  describeOwner,
  ownerInfo,
  readOwnerRecord,
  type ControlConnection,
  type OwnerInfo,
  type OwnerRecord,
} from '../owner/index.ts';
import type { WireEndpoint } from '../wire/index.ts';
import { createCore, type Core, type CoreOptions } from './index.ts';

export const linkTimings = {
  /** First and longest pause between attempts to reach an owner that is starting or leaving. */
  retryFirstMs: 25,
  retryMaxMs: 500,
  /**
   * How long a call waits for the folder to have a reachable owner. An owner needs well under a
   * second to start (or a successor to take over); this much means it is stuck.
   */
  attachTimeoutMs: 15_000,
} as const;

export type LinkRole = 'owner' | 'client';

export interface CoreLink extends WireEndpoint {
  readonly dataDir: string;
  role(): LinkRole;
  /** The core, while this process owns the data folder. */
  core(): Core | undefined;
  /** The process that owns the folder, while this one is its client. */
  owner(): OwnerInfo | undefined;
  onRoleChange(listener: (role: LinkRole) => void): () => void;
  /**
   * Leaves the folder. An owner first lets the turns it runs for other clients finish
   * (`onWait` is told how many), so that ending a `boocode` command never interrupts them.
   */
  close(options?: { waitForClientTurns?: boolean; onWait?: (running: number) => void }): Promise<void>;
}

type Backend =
  | { readonly kind: 'local'; readonly core: Core }
  | { readonly kind: 'remote'; readonly calls: ControlConnection; readonly record: OwnerRecord };

interface LinkSubscription {
  readonly listener: (message: SubscriptionMessage) => void;
  lastSeq: number;
  stop: () => void;
  isEnded: boolean;
}

/**
 * Opens `options.dataDir` as its owner, or as a client of the live process that owns it.
 * Throws StoreOpenError for a damaged store (only an owner opens the store).
 */
export async function openDataDir(options: CoreOptions): Promise<Result<CoreLink>> {
  const roleListeners = new Set<(role: LinkRole) => void>();
  const subscriptions = new Set<LinkSubscription>();
  let isClosing = false;

  const first = await attach(Date.now() + linkTimings.attachTimeoutMs);
  if (!first.ok) return first;
  let backend: Backend = first.value;
  let switching: Promise<Result<Backend>> | undefined;
  watch(backend);

  async function attach(deadline: number): Promise<Result<Backend>> {
    let lastOwner: OwnerInfo | undefined;
    for (let attempt = 0; !isClosing; attempt += 1) {
      try {
        const core = createCore(options);
        await core.ready;
        return ok({ kind: 'local', core });
      } catch (error) {
        if (!(error instanceof DataDirOwnedError)) throw error;
        lastOwner = error.owner ?? lastOwner;
      }
      const record = readOwnerRecord(options.dataDir);
      if (record) {
        lastOwner = ownerInfo(record);
        const connected = await connectControl(record);
        if (connected.ok) return ok({ kind: 'remote', calls: connected.value, record });
        if (connected.error.kind === 'unauthorized') return connected;
      }
      if (Date.now() > deadline) break;
      // The owner is starting (no record yet) or leaving (its socket closed, its lock not yet free).
      await delay(Math.min(linkTimings.retryMaxMs, linkTimings.retryFirstMs * 2 ** attempt));
    }
    if (isClosing) return fail('cancelled', 'Closed.');
    return fail(
      'owner-unreachable',
      `${options.dataDir} is in use by ${lastOwner ? describeOwner(lastOwner) : 'another BooCode process'}, which does not answer. If it is stuck, stop it and try again.`,
    );
  }

  /** When the owner we follow goes away, take over (or follow its successor). */
  function watch(current: Backend): void {
    if (current.kind !== 'remote') return;
    void current.calls.closed.then(() => {
      if (!isClosing && backend === current) void switchOver();
    });
  }

  function switchOver(): Promise<Result<Backend>> {
    if (switching) return switching;
    const lost = backend;
    // Every subscriber re-reads its snapshots from whoever owns the folder next.
    for (const subscription of subscriptions) endSubscription(subscription);
    switching = (async () => {
      if (lost.kind === 'remote') lost.calls.close();
      const next = await attach(Number.POSITIVE_INFINITY);
      switching = undefined;
      if (!next.ok) return next;
      backend = next.value;
      watch(backend);
      for (const listener of roleListeners) listener(roleOf(backend));
      return next;
    })();
    return switching;
  }

  async function current(): Promise<Result<Backend>> {
    if (!switching) return ok(backend);
    const timeout = delay(linkTimings.attachTimeoutMs).then(() =>
      fail<Backend>('owner-unreachable', `No BooCode process answers for ${options.dataDir} yet; try again.`),
    );
    return Promise.race([switching, timeout]);
  }

  function endSubscription(subscription: LinkSubscription): void {
    if (subscription.isEnded) return;
    subscription.isEnded = true;
    subscription.stop();
    subscriptions.delete(subscription);
    subscription.listener({ kind: 'resync', lastSeq: subscription.lastSeq });
  }

  async function dispatch(method: unknown, args: unknown): Promise<Result<unknown>> {
    const found = await current();
    if (!found.ok) return found;
    const target = found.value;
    if (target.kind === 'local') return target.core.dispatch(method, args);
    if (typeof method !== 'string') return fail('unknown-command', 'A command name is a string.');
    return target.calls.call(method as CommandName, args as never);
  }

  async function subscribe(
    position: { afterSeq: number; epoch?: string },
    listener: (message: SubscriptionMessage) => void,
  ): Promise<{ result: Result<SubscribeResult>; unsubscribe: () => void }> {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const found = await current();
      if (!found.ok) return { result: found, unsubscribe: () => {} };
      const target = found.value;
      const subscription: LinkSubscription = { listener, lastSeq: position.afterSeq, stop: () => {}, isEnded: false };
      const track = (message: SubscriptionMessage) => {
        if (subscription.isEnded) return;
        if (message.kind === 'event') subscription.lastSeq = message.event.seq;
        listener(message);
      };
      let result: Result<SubscribeResult>;
      if (target.kind === 'local') {
        const local = await target.core.api.subscribe(position, track);
        result = local.result;
        subscription.stop = local.unsubscribe;
      } else {
        // One connection per subscription: the wire protocol carries one stream per connection.
        const connection = await connectControl(target.record);
        if (!connection.ok) {
          await switchOver();
          continue;
        }
        const stream = connection.value;
        result = (await stream.subscribe(position, track)).result;
        subscription.stop = () => stream.close();
        void stream.closed.then(() => {
          if (subscription.isEnded || isClosing) return;
          endSubscription(subscription);
          if (backend === target) void switchOver();
        });
      }
      if (!result.ok) {
        subscription.isEnded = true;
        subscription.stop();
        return { result, unsubscribe: () => {} };
      }
      subscription.lastSeq = result.value.lastSeq;
      subscriptions.add(subscription);
      return {
        result,
        unsubscribe: () => {
          subscription.isEnded = true;
          subscriptions.delete(subscription);
          subscription.stop();
        },
      };
    }
    return { result: fail('owner-unreachable', `The BooCode process that owns ${options.dataDir} keeps going away; try again.`), unsubscribe: () => {} };
  }

  const api: BooApi = {
    call: <N extends CommandName>(name: N, args: CommandArgs<N>) => dispatch(name, args) as Promise<Result<CommandResult<N>>>,
    subscribe,
  };

  return ok({
    dataDir: options.dataDir,
    api,
    dispatch,
    serializeEvent: (event) => (backend.kind === 'local' ? backend.core.serializeEvent(event) : JSON.stringify(event)),
    role: () => roleOf(backend),
    core: () => (backend.kind === 'local' ? backend.core : undefined),
    owner: () => (backend.kind === 'remote' ? ownerInfo(backend.record) : undefined),
    onRoleChange(listener) {
      roleListeners.add(listener);
      return () => roleListeners.delete(listener);
    },
    async close(closeOptions = {}) {
      if (isClosing) return;
      const settled = switching ? await switching : ok(backend);
      isClosing = true;
      for (const subscription of subscriptions) {
        subscription.isEnded = true;
        subscription.stop();
      }
      subscriptions.clear();
      if (!settled.ok) return;
      const last = settled.value;
      if (last.kind === 'remote') {
        last.calls.close();
        return;
      }
      if (closeOptions.waitForClientTurns) {
        const running = last.core.turns.activeCount();
        if (running > 0) {
          closeOptions.onWait?.(running);
          await last.core.turns.whenIdle();
        }
      }
      await last.core.close();
    },
  });
}

function roleOf(backend: Backend): LinkRole {
  return backend.kind === 'local' ? 'owner' : 'client';
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
