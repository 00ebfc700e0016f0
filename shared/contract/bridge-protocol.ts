/**
 * Wire format of the browser-mode bridge (the same registry as Electron IPC,
 * over a WebSocket on 127.0.0.1). The page is served at `/?token=T`; the socket
 * lives at `/bridge?token=T`. Every frame is JSON.
 */
import { z } from 'zod';

/** Path of the WebSocket endpoint. */
export const bridgePath = '/bridge';

/** Renderer -> main: one call. `id` pairs the reply with the request. */
export const bridgeRequestSchema = z.strictObject({
  type: z.literal('call'),
  id: z.number().int().nonnegative(),
  channel: z.string().max(64),
  input: z.unknown().optional(),
});
export type BridgeRequest = z.infer<typeof bridgeRequestSchema>;

/** Main -> renderer: the reply envelope of call `id`, or a pushed event. */
export type BridgeMessage =
  | { type: 'reply'; id: number; envelope: { ok: true; data: unknown } | { ok: false; error: { code: string; message: string; hint: string; details?: unknown } } }
  | { type: 'event'; channel: 'runs:event'; payload: unknown };
