// Writes and their events travel together: the transaction commits first, then the events are
// published. A failed transaction publishes nothing, so no client ever sees an event for a row
// that is not in the database.
import type { AppEventDraft } from '../../shared/contract.ts';
import type { EventBus } from '../events/index.ts';
import type { Store } from './index.ts';

export interface UnitOfWork {
  run<T>(work: () => { value: T; events: readonly AppEventDraft[] }): T;
}

export function createUnitOfWork(store: Store, bus: EventBus): UnitOfWork {
  return {
    run(work) {
      const { value, events } = store.transact(work);
      if (events.length > 0) bus.publish(events);
      return value;
    },
  };
}
