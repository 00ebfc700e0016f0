/**
 * The single react-query client. Contract errors (`CallError`) are answers,
 * not network hiccups: retrying `not-found` or `invalid-input` only delays the
 * message the operator needs, so only unexpected failures are retried once.
 */
import { QueryClient } from '@tanstack/react-query';
import { CallError } from './client.ts';

/** Creates the app's query client with Keyturn's retry and freshness rules. */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        retry: (failures, error) => {
          if (error instanceof CallError) return error.code === 'internal' && failures < 1;
          return failures < 1;
        },
        staleTime: 5_000,
        refetchOnWindowFocus: true,
      },
      mutations: { retry: false },
    },
  });
}
