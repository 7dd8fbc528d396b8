/**
 * Java's text forms, reproduced so that four-letter-word output matches Apache ZooKeeper's
 * byte for byte: `Long.toHexString`, `Double.toString`, `Date.toString`, and the
 * `BigDecimal.setScale(4, HALF_UP)` rounding Apache applies to average latencies.
 */
import { assert } from '../../src/util/assert';

/** `Long.toHexString`: the 64-bit two's complement pattern in lowercase hex, no padding. */
export function javaLongHex(value: bigint): string {
  assert(value >= -(1n << 63n) && value < 1n << 63n, 'value is not a signed 64-bit integer');
  return BigInt.asUintN(64, value).toString(16);
}

/**
 * Rounds `value` to 4 decimal places half-up on its exact binary value, as Apache's
 * `new BigDecimal(avg).setScale(4, HALF_UP).doubleValue()` does (no double-multiplication error).
 */
export function roundHalfUp4(value: number): number {
  assert(Number.isFinite(value), 'value must be finite');
  assert(value >= 0, 'only non-negative averages are rounded');
  if (value === 0) return 0;
  const { mantissa, exponent } = decompose(value);
  if (exponent >= 0) return value;
  const denominator = 1n << BigInt(-exponent);
  const scaled = mantissa * 10_000n;
  let quotient = scaled / denominator;
  if ((scaled % denominator) * 2n >= denominator) quotient += 1n;
  return Number(quotient) / 10_000;
}

/** Splits a positive finite double into `mantissa × 2^exponent` exactly. */
function decompose(value: number): { mantissa: bigint; exponent: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  const bits = view.getBigUint64(0);
  const biasedExponent = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  if (biasedExponent === 0) return { mantissa: fraction, exponent: -1074 };
  return { mantissa: fraction | (1n << 52n), exponent: biasedExponent - 1075 };
}

/**
 * `Double.toString`: plain decimal with at least one fraction digit in [1e-3, 1e7), otherwise
 * `d.dddE±n`. Uses the shortest round-trip digits, which is what Java prints for the values
 * four-letter words show (averages rounded to 4 places).
 */
export function javaDouble(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return 'Infinity';
  if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    const text = String(value);
    return text.includes('.') ? text : `${text}.0`;
  }
  const [digits = '', exponent = '0'] = value.toExponential().split('e');
  const mantissa = digits.includes('.') ? digits : `${digits}.0`;
  return `${mantissa}E${Number(exponent)}`;
}

const weekdays = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

function twoDigits(value: number): string {
  return String(value).padStart(2, '0');
}

/**
 * `java.util.Date.toString` in UTC: `EEE MMM dd HH:mm:ss zzz yyyy`, e.g.
 * `Sun Nov 22 04:21:30 UTC 2026`. (Apache prints the JVM's zone; zookit servers print UTC.)
 */
export function javaDateUtc(epochMs: number): string {
  assert(Number.isFinite(epochMs), 'epochMs must be finite');
  const date = new Date(epochMs);
  const time = [date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds()].map(twoDigits).join(':');
  const weekday = weekdays[date.getUTCDay()] as string;
  const month = months[date.getUTCMonth()] as string;
  return `${weekday} ${month} ${twoDigits(date.getUTCDate())} ${time} UTC ${date.getUTCFullYear()}`;
}
