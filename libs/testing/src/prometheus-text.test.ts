import { histogramCount, parsePrometheusText, sampleValue } from './prometheus-text';

describe('parsePrometheusText (strict, for tests)', () => {
  const valid = [
    '# HELP requests_total Requests.',
    '# TYPE requests_total counter',
    'requests_total{route="/a",status="200"} 3',
    'requests_total{route="/a",status="402"} 1',
    'requests_total{route="/b\\"q\\"",status="200"} 2',
    '# TYPE latency_seconds histogram',
    'latency_seconds_bucket{le="0.1",route="/a"} 1',
    'latency_seconds_bucket{le="+Inf",route="/a"} 4',
    'latency_seconds_sum{route="/a"} 1.5',
    'latency_seconds_count{route="/a"} 4',
    'latency_seconds_bucket{le="0.1",route="/b"} 0',
    'latency_seconds_bucket{le="+Inf",route="/b"} 2',
    'latency_seconds_sum{route="/b"} 3',
    'latency_seconds_count{route="/b"} 2',
    '',
  ].join('\n');

  it('reads counters and labelled histograms, summing the samples a label subset selects', () => {
    const families = parsePrometheusText(valid);
    expect(families.get('requests_total')).toMatchObject({ type: 'counter', help: 'Requests.' });
    expect(sampleValue(families, 'requests_total', { route: '/a' })).toBe(4);
    expect(sampleValue(families, 'requests_total', { status: '200' })).toBe(5);
    expect(sampleValue(families, 'requests_total', { route: '/b"q"' })).toBe(2);
    expect(histogramCount(families, 'latency_seconds', { route: '/a' })).toBe(4);
    expect(histogramCount(families, 'latency_seconds')).toBe(6);
  });

  it.each([
    ['an undeclared family', 'orphan_total 1'],
    ['a bad value', '# TYPE x counter\nx one'],
    ['an unterminated label', '# TYPE x counter\nx{a="1} 1'],
    ['a histogram whose count is not its +Inf bucket', '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_count 3'],
    ['buckets that decrease', '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_count 1'],
  ])('refuses %s', (_what, text) => {
    expect(() => parsePrometheusText(text)).toThrow();
  });
});
