import { RelayError } from '@relay/contracts';
import { RelayMetrics } from '@relay/observability';
import type { Request, Response } from 'express';
import { EventEmitter } from 'node:events';
import { countRefusals } from './refusal-count';
import { writeRelayError } from './relay-exception.filter';

/** Just enough of an Express response for writeRelayError and a 'finish' event. */
function fakeResponse(): Response & EventEmitter {
  const res = Object.assign(new EventEmitter(), { locals: {}, statusCode: 200 }) as unknown as Response & EventEmitter;
  res.setHeader = () => res;
  res.status = (code: number) => ((res.statusCode = code), res);
  res.json = () => res;
  return res;
}

async function refusals(metrics: RelayMetrics): Promise<string[]> {
  const text = await metrics.registry.expose();
  return text.split('\n').filter((line) => line.startsWith('relay_gateway_refusals_total{'));
}

/** Runs one request through countRefusals, lets `handle` answer it, and ends it. */
function serve(metrics: RelayMetrics | undefined, handle: (res: Response) => void): void {
  const res = fakeResponse();
  countRefusals(metrics)({} as Request, res, () => handle(res));
  res.emit('finish');
}

describe('countRefusals', () => {
  it('counts a REST response answered with an error body by surface and code, once it is sent', async () => {
    const metrics = new RelayMetrics();
    serve(metrics, (res) => writeRelayError(res, new RelayError('RATE_LIMITED', 'Too many requests', { retryAfterMs: 1000 })));
    serve(metrics, (res) => writeRelayError(res, new RelayError('RATE_LIMITED', 'Too many requests')));
    serve(metrics, (res) => writeRelayError(res, new RelayError('BUSY', 'Relay is reading 8 uploads already')));
    expect((await refusals(metrics)).sort()).toEqual(['relay_gateway_refusals_total{surface="http",code="BUSY"} 1', 'relay_gateway_refusals_total{surface="http",code="RATE_LIMITED"} 2']);
  });

  it('counts nothing for a response that was not refused, nor before the response has gone out', async () => {
    const metrics = new RelayMetrics();
    serve(metrics, (res) => res.status(200).json({ ok: true }));
    const unsent = fakeResponse();
    countRefusals(metrics)({} as Request, unsent, () => writeRelayError(unsent, new RelayError('BUSY', 'busy')));
    expect(await refusals(metrics)).toEqual([]);
    unsent.emit('finish');
    unsent.emit('finish'); // counted once however often it is reported
    expect(await refusals(metrics)).toEqual(['relay_gateway_refusals_total{surface="http",code="BUSY"} 1']);
  });

  it('passes every request on, with metrics or without', () => {
    let passed = 0;
    countRefusals(undefined)({} as Request, fakeResponse(), () => passed++);
    countRefusals(new RelayMetrics())({} as Request, fakeResponse(), () => passed++);
    expect(passed).toBe(2);
  });
});
