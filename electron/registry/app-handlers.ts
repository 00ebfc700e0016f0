/** Handlers of `app:*` and `toolchain:*`. */
import { detectToolchain } from '../tools/toolchain.ts';
import type { Services } from './services.ts';
import type { Handlers } from './dispatch.ts';

export function appHandlers(s: Services): Pick<Handlers, 'app:info' | 'toolchain:status'> {
  return {
    'app:info': () => s.appInfo(),
    'toolchain:status': () => detectToolchain(),
  };
}
