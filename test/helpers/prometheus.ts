import parsePrometheusTextFormat, { type MetricFamily } from 'parse-prometheus-text-format';

export interface Scrape {
  /** Every family with its HELP and TYPE, as the parser reads the whole text. */
  families: MetricFamily[];
  /** The value of the series `name{labels...}` (labels may be a subset); 0 when absent. */
  value(name: string, labels?: Record<string, string>): number;
  /** Every sample line of `name` (a histogram's `_bucket`, `_sum`, `_count` are names too). */
  samples(name: string): Array<{ labels: Record<string, string>; value: number }>;
}

/**
 * Reads a scrape with `parse-prometheus-text-format`, which throws on any line that is not the
 * text format. It folds a histogram's samples into one per family and loses their labels, so the
 * sample values are read by a second pass of the same parser over the text without its TYPE lines:
 * then `x_bucket`, `x_sum` and `x_count` are untyped families of their own, each sample with its labels.
 */
export function readScrape(text: string): Scrape {
  const families = parsePrometheusTextFormat(text);
  const untyped = parsePrometheusTextFormat(
    text
      .split('\n')
      .filter((l) => !l.startsWith('# TYPE '))
      .join('\n'),
  );
  const samples = (name: string) =>
    // Without TYPE, a family's series that are not adjacent come out as several groups: join them.
    untyped
      .filter((f) => f.name === name)
      .flatMap((f) => f.metrics)
      .map((s) => ({ labels: s.labels ?? {}, value: Number(s.value) }));
  return {
    families,
    samples,
    value(name, labels = {}) {
      const s = samples(name).find((x) => Object.entries(labels).every(([k, v]) => x.labels[k] === v));
      return s?.value ?? 0;
    },
  };
}
