/**
 * How the prober names a failed request: the reasons charts and summaries
 * group by, so they must stay stable. A real HAProxy in maintenance giving
 * `maintenance` is proven in prober-maintenance.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { KeyturnError } from '../../shared/errors.ts';
import { failureReason, httpFailureReason } from './probe-request.ts';

describe('httpFailureReason', () => {
  it('calls a 503 with Retry-After a maintenance answer, and any other status http-<status>', () => {
    expect(httpFailureReason(503, { 'retry-after': '30', 'content-type': 'text/plain' })).toBe('maintenance');
    expect(httpFailureReason(503, { 'retry-after': 'Tue, 01 Dec 2026 03:10:15 GMT' })).toBe('maintenance');
    expect(httpFailureReason(503, {})).toBe('http-503'); // a 503 that does not say when to come back: an accident, not an announcement
    expect(httpFailureReason(502, { 'retry-after': '30' })).toBe('http-502');
    expect(httpFailureReason(429, { 'retry-after': '1' })).toBe('http-429');
    expect(httpFailureReason(401, {})).toBe('http-401');
  });
});

describe('failureReason', () => {
  const err = (code: string, message = code) => Object.assign(new Error(message), { code });

  it('keeps connection failures, resets and timeouts apart from each other', () => {
    expect(failureReason(err('ECONNREFUSED'), false)).toBe('refused');
    expect(failureReason(err('ECONNRESET'), false)).toBe('reset');
    expect(failureReason(err('EPIPE'), false)).toBe('reset');
    expect(failureReason(new Error('socket hang up'), false)).toBe('reset');
    expect(failureReason(err('ETIMEDOUT'), false)).toBe('timeout');
    expect(failureReason(err('ABORT_ERR', 'aborted'), true)).toBe('timeout'); // the prober's own deadline
    expect(failureReason(err('EHOSTUNREACH'), false)).toBe('unreachable');
    expect(failureReason(err('ENOTFOUND'), false)).toBe('dns');
    expect(failureReason(new KeyturnError('timeout', 'dns', 'x'), false)).toBe('dns-timeout');
    expect(failureReason(new KeyturnError('tool-failed', 'dns', 'x'), false)).toBe('dns');
    expect(failureReason(err('EWHATEVER'), false)).toBe('other');
  });
});
