/* Figures as people read them, by the rule of clients/results/units.py, so the page and the
 * terminal write every time alike (a test runs both over the same values and compares).
 * Inlined into the page before report.js, which takes `seconds` from here. */
const asyncUnits = (function () {
  "use strict";
  const view = new DataView(new ArrayBuffer(8));

  // Whether x (finite, >= 0) times 10^digits is exactly an integer and a half: the one case
  // in which toFixed (a tie goes up) and Python's format (a tie goes to even) part ways. With
  // x = odd·2^e, x·10^digits·2 = odd·5^digits·2^(e + digits + 1): odd when that power is 0.
  function tie(x, digits) {
    view.setFloat64(0, x);
    const bits = view.getBigUint64(0);
    const biased = Number((bits >> 52n) & 0x7ffn);
    let mantissa = bits & 0xfffffffffffffn;
    let exponent = -1074;  // a subnormal's
    if (biased !== 0) { mantissa |= 1n << 52n; exponent = biased - 1075; }
    if (mantissa === 0n) return false;
    while ((mantissa & 1n) === 0n) { mantissa >>= 1n; exponent += 1; }
    return exponent + digits + 1 === 0;
  }

  // x (finite, >= 0, below 1e21) with `digits` decimals, rounded as Python's format rounds.
  function fixed(x, digits) {
    const text = x.toFixed(digits);
    if (!tie(x, digits)) return text;
    const last = text.charCodeAt(text.length - 1) - 48;  // toFixed took the larger neighbour
    return last % 2 === 0 ? text : text.slice(0, -1) + String(last - 1);
  }

  // `3.91 s`, `412 ms`, `8.5 ms` or `85 µs`, whichever reads best; a dash for none.
  function seconds(v) {
    if (v === null || v === undefined || !Number.isFinite(v)) return "–";
    const sign = v < 0 || Object.is(v, -0) ? "-" : "";
    const m = Math.abs(v);
    if (m >= 1) return sign + fixed(m, 2) + " s";
    if (m >= 0.001) return sign + fixed(m * 1000, m >= 0.01 ? 0 : 1) + " ms";
    return sign + fixed(m * 1e6, 0) + " µs";
  }

  return { seconds };
})();
