/**
 * Plain-text tables for the benchmark's console output (also pasted into
 * docs/benchmarks.md, so they are Markdown tables).
 */

/** Formats a number of operations per second: `12 345`. */
export function formatRate(opsPerSecond: number): string {
  if (!Number.isFinite(opsPerSecond)) return '–';
  return Math.round(opsPerSecond).toLocaleString('en-US').replaceAll(',', ' ');
}

/** Formats microseconds as ms with 2 decimals, or µs under a tenth of a millisecond. */
export function formatLatency(latencyUs: number): string {
  if (!Number.isFinite(latencyUs)) return '–';
  if (latencyUs < 100) return `${latencyUs.toFixed(0)} µs`;
  return `${(latencyUs / 1_000).toFixed(2)} ms`;
}

/** {@link formatLatency} with a minus sign for a negative span (an event before its reference). */
export function formatSignedLatency(latencyUs: number): string {
  return latencyUs < 0 ? `−${formatLatency(-latencyUs)}` : formatLatency(latencyUs);
}

/** A ratio with two decimals and a `×`. */
export function formatRatio(ratio: number): string {
  return Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : '–';
}

/** Bytes as MiB with one decimal. */
export function formatMebibytes(bytes: number): string {
  return `${(bytes / (1_024 * 1_024)).toFixed(1)} MiB`;
}

/** A Markdown table with right-aligned numeric columns (every column after the first `textColumns`). */
export function markdownTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  textColumns = 1,
): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]): string =>
    `| ${cells
      .map((cell, column) =>
        column < textColumns ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join(' | ')} |`;
  const rule = `|${widths.map((width, column) => (column < textColumns ? `${'-'.repeat(width + 1)}-` : `${'-'.repeat(width + 1)}:`)).join('|')}|`;
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

/** Whether a goal holds, for the verdict column. */
export function verdict(met: boolean | undefined): string {
  if (met === undefined) return 'n/a';
  return met ? 'met' : 'MISSED';
}
