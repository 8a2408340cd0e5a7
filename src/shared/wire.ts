// Message shapes of the two transports. Both carry the same contract (contract.ts); these only
// frame it: a request with an id, its response, and pushed subscription messages.
import { z } from 'zod';
import type { Result, SubscriptionMessage } from './contract.ts';

/** A command sent over a WebSocket. `id` pairs the response with the request. */
export const WireRequestSchema = z.object({
  id: z.union([z.number().int(), z.string().max(64)]),
  method: z.string().max(128),
  args: z.unknown().optional(),
});
export type WireRequest = z.infer<typeof WireRequestSchema>;

/** Everything the server sends: responses, and after `events.subscribe` the live stream. */
export type WireServerMessage =
  | { readonly kind: 'response'; readonly id: number | string | null; readonly result: Result<unknown> }
  | SubscriptionMessage;
