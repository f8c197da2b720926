/* asynchronicity's report: draws the embedded result with plain JavaScript (canvas and SVG).
 * No network, no libraries. window.asyncReport says when the page is drawn (ready, drawMs) and
 * lets tests find things (pointOf, view). */
(function () {
  "use strict";
  const api = (window.asyncReport = { ready: false, drawMs: null, errors: [], phases: {} });
  const started = performance.now();
  const DATA = JSON.parse(document.getElementById("report-data").textContent);
  function phase(name, work) { // how long each part of drawing took, for whoever asks
    const t = performance.now();
    const out = work();
    api.phases[name] = (api.phases[name] || 0) + performance.now() - t;
    return out;
  }
  api.phases.parse = performance.now() - started;
  const U = DATA.unit || 1e-4;
  const COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#6b6b6b", "#111111"];
  const OK = "#2e9d4f", RETRY = "#e0a100", FAILED = "#d32f2f";
  const CPU = "#1f4e79", CAR = "#dde5ee", EDGE = "#a9bacb", ALIVE = "#c0392b";
  const GUTTER = 200, AXIS = 24, SVGNS = "http://www.w3.org/2000/svg";
  const tooltip = document.getElementById("tooltip");

  // ---------- small helpers
  const seconds = asyncUnits.seconds; // units.js: the terminal's rule, to the character
  // records.attempt_text's rule: numbered from 0, as the journal, the terminal and pytest say
  const attemptText = (n) => `attempt ${n} (${n ? "retry " + n : "first try"})`;
  const count = (v) => (v >= 100 ? Math.round(v).toLocaleString() : String(+v.toPrecision(2)));
  function niceStep(span, pixels, spacing) {
    const target = (span * spacing) / Math.max(1, pixels);
    const exp = Math.floor(Math.log10(target || 1));
    for (const base of [1, 2, 2.5, 5, 10]) {
      const step = base * Math.pow(10, exp);
      if (step >= target * (1 - 1e-9)) return step;
    }
    return target;
  }
  function decimals(step) { // the digits a tick step needs: 2 for 0.25, 0 for 5
    return Math.min(4, (String(+step.toPrecision(6)).split(".")[1] || "").length);
  }
  function tickSeconds(t, step) { return t === 0 ? "0 s" : t >= 1 ? t.toFixed(decimals(step)) + " s" : seconds(t); }
  function undelta(values) {
    const out = new Float64Array(values.length);
    let t = 0;
    for (let i = 0; i < values.length; i++) { t += values[i]; out[i] = t * U; }
    return out;
  }
  function svg(tag, attrs, parent) {
    const node = document.createElementNS(SVGNS, tag);
    for (const k in attrs) node.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(node);
    return node;
  }
  function frame(panel, client) {
    const sel = `[data-panel="${panel}"] [data-client="${CSS.escape(client)}"] .chart`;
    return document.querySelector(sel);
  }
  function showTip(event, text) {
    tooltip.textContent = text;
    tooltip.hidden = false;
    const x = Math.min(event.clientX + 14, window.innerWidth - tooltip.offsetWidth - 8);
    const y = event.clientY + 16 + tooltip.offsetHeight > window.innerHeight
      ? event.clientY - tooltip.offsetHeight - 10 : event.clientY + 16;
    tooltip.style.left = x + "px";
    tooltip.style.top = y + "px";
  }
  function hideTip() { tooltip.hidden = true; }
  // Every time chart is as wide as the panels: measured once (and on resize), so drawing twelve
  // canvases never makes the browser lay the page out twelve times.
  let chartWidth = 320;
  function measure() {
    const chart = document.querySelector(".chart");
    chartWidth = Math.max(320, chart ? chart.clientWidth : 320);
  }
  function canvasIn(container, height) {
    let canvas = container.querySelector("canvas");
    if (!canvas) { canvas = document.createElement("canvas"); container.appendChild(canvas); }
    const width = chartWidth;
    const dpr = window.devicePixelRatio || 1;
    canvas.style.width = width + "px";
    canvas.style.height = height + "px";
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    return { canvas, ctx, width, height };
  }

  // ---------- time views: one per client, or one for all when the axis is shared
  const views = new Map();
  const sharedView = { lo: 0, hi: 1, max: 1 };
  let shared = false;
  const drawers = new Map(); // client -> [draw functions]
  function viewOf(name) { return shared ? sharedView : views.get(name); }
  function redraw(name) {
    const names = shared || name === undefined ? Array.from(drawers.keys()) : [name];
    for (const n of names) for (const draw of drawers.get(n) || []) draw();
  }
  function zoom(view, factor, centre) {
    const span = Math.min(view.max, Math.max(view.max * 1e-5, (view.hi - view.lo) * factor));
    let lo = centre - (centre - view.lo) * (span / (view.hi - view.lo));
    lo = Math.max(0, Math.min(lo, view.max - span));
    view.lo = lo; view.hi = lo + span;
  }
  function pan(view, dt) {
    const span = view.hi - view.lo;
    view.lo = Math.max(0, Math.min(view.lo + dt, view.max - span));
    view.hi = view.lo + span;
  }
  function interactive(canvas, name, hover) {
    let drag = null;
    const timeAt = (x) => { const v = viewOf(name); return v.lo + ((x - GUTTER) / (chartWidth - GUTTER - 10)) * (v.hi - v.lo); };
    canvas.addEventListener("wheel", (e) => {
      e.preventDefault();
      const x = e.offsetX;
      if (x < GUTTER) return;
      zoom(viewOf(name), e.deltaY < 0 ? 0.8 : 1.25, timeAt(x));
      redraw(name);
    }, { passive: false });
    canvas.addEventListener("mousedown", (e) => { drag = { x: e.clientX }; });
    window.addEventListener("mouseup", () => { drag = null; });
    canvas.addEventListener("mousemove", (e) => {
      if (drag) {
        const v = viewOf(name);
        const dt = ((drag.x - e.clientX) / (chartWidth - GUTTER - 10)) * (v.hi - v.lo);
        drag.x = e.clientX;
        pan(v, dt);
        redraw(name);
        return;
      }
      const text = hover(e.offsetX, e.offsetY);
      if (text) showTip(e, text); else hideTip();
    });
    canvas.addEventListener("mouseleave", hideTip);
    canvas.addEventListener("dblclick", () => { const v = viewOf(name); v.lo = 0; v.hi = v.max; redraw(name); });
  }
  function axis(ctx, view, width, y) {
    const plot = width - GUTTER - 10;
    const step = niceStep(view.hi - view.lo, plot, 90);
    ctx.strokeStyle = "#9aa8b6"; ctx.fillStyle = "#5b6b7c"; ctx.font = "11px system-ui, sans-serif";
    ctx.beginPath(); ctx.moveTo(GUTTER, y + 0.5); ctx.lineTo(GUTTER + plot, y + 0.5); ctx.stroke();
    const digits = decimals(step); // 0.25 s steps read 0.25, 0.50, never 0.3
    for (let t = Math.ceil(view.lo / step) * step; t <= view.hi + step * 1e-9; t += step) {
      const x = GUTTER + ((t - view.lo) / (view.hi - view.lo)) * plot;
      ctx.beginPath(); ctx.moveTo(x + 0.5, y); ctx.lineTo(x + 0.5, y + 4); ctx.stroke();
      ctx.fillText(t.toFixed(digits) + " s", x - 10, y + 16);
    }
  }
  function label(ctx, text, y, h) {
    ctx.fillStyle = "#34495e"; ctx.font = "11px system-ui, sans-serif";
    let shown = text;
    while (shown.length > 3 && ctx.measureText(shown).width > GUTTER - 10) shown = shown.slice(0, -2) + "…";
    ctx.fillText(shown, 4, y + Math.max(Math.min(h, 14) - 3, 10));
  }
  function setRange(container, view) { // the visible time range, for tests and tools
    const range = view.lo.toFixed(4) + "," + view.hi.toFixed(4);
    const client = container.parentElement;
    if (client.dataset.range !== range) client.dataset.range = range;
  }

  // ---------- compare: decode each client once
  function decode(client) {
    const a = client.a;
    if (!a) return null;
    const column = (name) => { // integers, summed back where they were stored as differences
      const values = a[name];
      if (!a.deltas.includes(name)) return values;
      const out = new Float64Array(values.length);
      for (let i = 0, t = 0; i < values.length; i++) { t += values[i]; out[i] = t; }
      return out;
    };
    const n = a.s.length, start = undelta(a.s), end = new Float64Array(n), d = column("d");
    for (let i = 0; i < n; i++) end[i] = start[i] + d[i] * U;
    return { n, start, end, lane: column("l"), zip: column("z"), num: column("n"), outcome: column("o"),
      intended: column("i"), queue: column("q"), over: column("v") };
  }
  const COLLAPSED = 8, EXPANDED = 128; // timeline rows: folded to a summary, or every lane
  function rowsOf(att, most) {
    const lanes = Array.from(new Set(att.lane)).sort((x, y) => x - y);
    const per = Math.max(1, Math.ceil(lanes.length / most));
    const rowOf = new Map(lanes.map((lane, i) => [lane, Math.floor(i / per)]));
    const count = Math.ceil(lanes.length / per);
    const rows = Array.from({ length: count }, () => []);
    for (let i = 0; i < att.n; i++) rows[rowOf.get(att.lane[i])].push(i);
    const names = rows.map((_, r) => {
      const first = lanes[r * per], last = lanes[Math.min(lanes.length, (r + 1) * per) - 1];
      return per === 1 ? "lane " + first : `lanes ${first}–${last}`;
    });
    return { rows, names, per };
  }
  function describe(att, i) {
    const [status, error, ok] = DATA.outcomes[att.outcome[i]];
    const ms = (v) => (v < 0 ? "–" : seconds(v * U));
    return [
      `zip ${DATA.zips[att.zip[i]]} · ${attemptText(att.num[i])}`,
      ok ? `status ${status}` : `failed: ${error || "error"}${status ? " (" + status + ")" : ""}`,
      `sent at ${seconds(att.start[i])}, latency ${seconds(att.end[i] - att.start[i])}`,
      `intended delay ${ms(att.intended[i])} · queue wait ${ms(att.queue[i])} · overshoot ${ms(att.over[i])}`,
    ].join("\n");
  }

  // ---------- beside each timeline: requests in flight (payload.py: the y-axis shared across
  // clients unless the switch gives each its own) and the stretches its event loop was blocked
  let ownScale = false;
  const BLOCKED = "rgba(123, 31, 162, 0.22)", FLIGHT = "#5b6b7c", STRIP = 44;
  function flightEvents(att) { // starts and ends by time, an end before a start on a tie
    const order = Array.from({ length: 2 * att.n }, (_, j) => j);
    // in whole ticks, as stored: back to back is a tie, never a sliver of two at once
    const at = (j) => Math.round((j < att.n ? att.start[j] : att.end[j - att.n]) / U) * U;
    order.sort((p, q) => at(p) - at(q) || (p < att.n) - (q < att.n));
    return { times: Float64Array.from(order, at), steps: Int8Array.from(order, (j) => (j < att.n ? 1 : -1)) };
  }
  function flightLevels(ev, view, plot) { // the most in flight within each pixel column
    const out = new Float64Array(plot), k = plot / (view.hi - view.lo);
    let level = 0, j = 0;
    while (j < ev.times.length && ev.times[j] <= view.lo) level += ev.steps[j++];
    for (let px = 0; px < plot; px++) {
      const until = view.lo + (px + 1) / k;
      let most = level;
      while (j < ev.times.length && ev.times[j] < until) { level += ev.steps[j++]; most = Math.max(most, level); }
      out[px] = most;
    }
    return out;
  }
  function flightStrip(box, client, ev, view, width) {
    box.textContent = "";
    const plot = width - GUTTER - 10, high = Math.max(1, ownScale ? client.peak || 1 : DATA.inflight_max || 1);
    const X = (t) => GUTTER + ((t - view.lo) / (view.hi - view.lo)) * plot, base = STRIP - 4;
    const root = svg("svg", { width, height: STRIP, role: "img", "data-ymax": high,
      "aria-label": `${client.name}: requests in flight, axis to ${high}` }, box);
    svg("text", { x: 4, y: 14 }, root).textContent = "in flight";
    svg("text", { x: GUTTER - 6, y: 12, "text-anchor": "end", class: "ymax" }, root).textContent =
      `${high} ${ownScale ? "(its own most)" : "(most of any)"}`;
    svg("text", { x: GUTTER - 6, y: base, "text-anchor": "end" }, root).textContent = "0";
    svg("line", { class: "grid", x1: GUTTER, x2: GUTTER + plot, y1: 8, y2: 8 }, root);
    for (const [from, to, title] of client.blocks || []) {
      const x0 = X(Math.max(view.lo, from)), x1 = X(Math.min(view.hi, to));
      if (x1 <= x0 && (to < view.lo || from > view.hi)) continue;
      const mark = svg("rect", { class: "blocked", x: x0, y: 8, width: Math.max(2, x1 - x0), height: base - 8,
        fill: BLOCKED }, root);
      svg("title", {}, mark).textContent = title;
    }
    const levels = flightLevels(ev, view, plot);
    let d = `M${GUTTER},${base}`;
    for (let px = 0; px < plot; px++) {
      const y = (base - (levels[px] / high) * (base - 8)).toFixed(1);
      d += `L${GUTTER + px},${y}L${GUTTER + px + 1},${y}`;
    }
    svg("path", { d: d + `L${GUTTER + plot},${base}Z`, fill: FLIGHT, opacity: 0.55 }, root);
    svg("line", { class: "axis", x1: GUTTER, x2: GUTTER + plot, y1: base, y2: base }, root);
  }
  function shadeBlocks(ctx, client, view, plot, height) { // over the bars: the loop was blocked then
    ctx.fillStyle = BLOCKED;
    for (const [from, to] of client.blocks || []) {
      if (to < view.lo || from > view.hi) continue;
      const x0 = ((Math.max(view.lo, from) - view.lo) / (view.hi - view.lo)) * plot;
      const x1 = ((Math.min(view.hi, to) - view.lo) / (view.hi - view.lo)) * plot;
      ctx.fillRect(GUTTER + x0, 0, Math.max(2, x1 - x0), height);
    }
  }
  function blockAt(client, t, slack) {
    const found = (client.blocks || []).find(([from, to]) => from - slack <= t && t <= to + slack);
    return found ? found[2] : null;
  }

  function timeline(client, att) {
    const container = frame("timeline", client.name);
    if (!container) return;
    if (!att) { container.textContent = client.state; return; }
    const lanes = new Set(att.lane).size;
    let rows = [], names = [], per = 1, rowH = 16, height = 0;
    const note = document.createElement("p");
    note.className = "zoom";
    container.before(note);
    function layout(most) {
      ({ rows, names, per } = rowsOf(att, most));
      rowH = most === COLLAPSED ? Math.min(16, Math.max(10, Math.floor(80 / rows.length)))
        : Math.max(3, Math.min(16, Math.floor(440 / Math.max(1, rows.length))));
      height = rows.length * rowH + AXIS + 6;
      note.textContent = `${att.n.toLocaleString()} requests on ${lanes.toLocaleString()} lane${lanes > 1 ? "s" : ""}, ` +
        `${names.length} row${names.length > 1 ? "s" : ""}` + (per > 1 ? ` (${per} lanes a row)` : "");
      api.rows[client.name] = { rows, rowH };
    }
    layout(COLLAPSED);
    const paint = [OK, RETRY, FAILED]; // a failure shows over a retry, a retry over a success
    const kinds = new Uint8Array(att.n);
    for (let i = 0; i < att.n; i++) kinds[i] = !DATA.outcomes[att.outcome[i]][2] ? 2 : att.num[i] > 0 ? 1 : 0;
    const dense = att.n > 3000; // too many bars to draw one by one: paint pixel runs instead
    const ev = flightEvents(att);
    let strip = null;
    function draw() {
      const view = viewOf(client.name);
      const { ctx, width } = canvasIn(container, height);
      const plot = width - GUTTER - 10, k = plot / (view.hi - view.lo);
      const diff = [new Int32Array(plot + 2), new Int32Array(plot + 2), new Int32Array(plot + 2)];
      rows.forEach((row, r) => {
        const y = r * rowH;
        if (r % Math.ceil(13 / rowH) === 0) label(ctx, names[r], y, rowH);
        ctx.fillStyle = r % 2 ? "#f6f8fa" : "#ffffff";
        ctx.fillRect(GUTTER, y, plot, rowH);
        if (dense) diff.forEach((d) => d.fill(0));
        for (const i of row) {
          if (att.end[i] < view.lo || att.start[i] > view.hi) continue;
          const x0 = Math.max(0, (att.start[i] - view.lo) * k), x1 = Math.min(plot, (att.end[i] - view.lo) * k);
          if (dense) {
            const a = Math.floor(x0), b = Math.max(a + 1, Math.ceil(x1));
            diff[kinds[i]][a]++; diff[kinds[i]][b]--;
            continue;
          }
          ctx.fillStyle = paint[kinds[i]];
          ctx.fillRect(GUTTER + x0, y + 1, Math.max(1, x1 - x0 - (x1 - x0 > 3 ? 1 : 0)), rowH - 2);
        }
        if (!dense) return;
        const open = [0, 0, 0];
        let run = -1, from = 0;
        for (let px = 0; px <= plot + 1; px++) {
          for (let c = 0; c < 3; c++) open[c] += diff[c][px];
          const now = px > plot ? -1 : open[2] > 0 ? 2 : open[1] > 0 ? 1 : open[0] > 0 ? 0 : -1;
          if (now === run) continue;
          if (run >= 0) { ctx.fillStyle = paint[run]; ctx.fillRect(GUTTER + from, y + 1, px - from, rowH - 2); }
          run = now; from = px;
        }
      });
      shadeBlocks(ctx, client, view, plot, rows.length * rowH);
      axis(ctx, view, width, rows.length * rowH + 2);
      if (!strip) { strip = document.createElement("div"); strip.className = "inflight"; container.appendChild(strip); }
      flightStrip(strip, client, ev, view, width);
      setRange(container, view);
    }
    function hit(x, y) {
      const r = Math.floor(y / rowH);
      if (x < GUTTER || r < 0 || r >= rows.length) return null;
      const view = viewOf(client.name), plot = chartWidth - GUTTER - 10;
      const t = view.lo + ((x - GUTTER) / plot) * (view.hi - view.lo);
      const slack = (3 / plot) * (view.hi - view.lo);
      const row = rows[r];
      let lo = 0, hi = row.length; // last attempt starting before t + slack
      while (lo < hi) { const mid = (lo + hi) >> 1; if (att.start[row[mid]] <= t + slack) lo = mid + 1; else hi = mid; }
      for (let j = lo - 1, seen = 0; j >= 0 && seen < 5000; j--, seen++) {
        const i = row[j];
        if (att.end[i] >= t - slack) return describe(att, i);
      }
      return blockAt(client, t, slack);
    }
    drawers.get(client.name).push(draw);
    draw();
    interactive(container.querySelector("canvas"), client.name, hit);
    if (lanes > COLLAPSED) {
      const more = Math.min(lanes, EXPANDED);
      const button = control(container, `expand to ${more.toLocaleString()} rows`, (on) => {
        layout(on ? EXPANDED : COLLAPSED); draw();
        button.textContent = on ? `collapse to ${COLLAPSED} rows` : `expand to ${more.toLocaleString()} rows`;
      });
    }
  }

  function trains(client) {
    const container = frame("train", client.name);
    if (!container || !client.train) return;
    const times = undelta(client.train.t), bands = client.train.tracks;
    const opened = new Set(); // the bands of many worker trains shown one train a row
    let tracks = [], rowH = 18, height = 0;
    function layout() {
      tracks = bands.flatMap((band, b) => (opened.has(b) ? band.m : [band]));
      rowH = Math.max(4, Math.min(18, Math.floor(440 / Math.max(1, tracks.length))));
      height = tracks.length * rowH + AXIS + 6;
    }
    layout();
    function fill(track, i) {
      const idx = track.f + i, length = times[idx + 1] - times[idx];
      const alive = track.a ? track.a[i] : 1;
      return length > 0 ? Math.min(1, track.c[i] / 1e6 / (length * alive)) : 0;
    }
    // A band of many trains: how many of them were alive, as a line over it (the talk's wall of
    // threads), scaled to the most alive at once.
    function aliveLine(ctx, track, y, h, view, k, plot) {
      if (!track.m || !track.a) return;
      const most = Math.max(1, ...track.a);
      ctx.strokeStyle = ALIVE; ctx.lineWidth = 1.2; ctx.beginPath();
      let pen = false;
      for (let i = 0; i < track.a.length; i++) {
        const idx = track.f + i;
        if (idx + 1 >= times.length) break;
        if (times[idx + 1] < view.lo || times[idx] > view.hi) { pen = false; continue; }
        const x = GUTTER + Math.max(0, Math.min(plot, (times[idx] - view.lo) * k));
        const level = y + h - 1 - (track.a[i] / most) * (h - 2);
        if (pen) ctx.lineTo(x, level); else ctx.moveTo(x, level);
        pen = true;
      }
      ctx.stroke(); ctx.lineWidth = 1;
    }
    const gaps = Array.from(times.slice(1), (t, i) => t - times[i]).sort((p, q) => p - q);
    const typical = gaps.length ? gaps[gaps.length >> 1] : 0.01;
    function draw() {
      const view = viewOf(client.name);
      const { ctx, width } = canvasIn(container, height);
      const plot = width - GUTTER - 10, k = plot / (view.hi - view.lo);
      const cars = typical * k >= 6; // cars wide enough to see one by one
      const cpu = new Float64Array(plot + 1), time = new Float64Array(plot + 1);
      tracks.forEach((track, r) => {
        const y = r * rowH, h = Math.max(2, rowH - 1);
        if (r % Math.ceil(13 / rowH) === 0) label(ctx, track.n, y, rowH);
        cpu.fill(0); time.fill(0);
        for (let i = 0; i < track.c.length; i++) {
          const idx = track.f + i;
          if (idx + 1 >= times.length) break;
          const t0 = times[idx], t1 = times[idx + 1];
          if (t1 < view.lo || t0 > view.hi) continue;
          const x0 = Math.max(0, (t0 - view.lo) * k), x1 = Math.min(plot, (t1 - view.lo) * k);
          if (cars) { // a car: its outline, and the share of it spent on a CPU
            const a = GUTTER + x0 + 1, b = GUTTER + x1 - 1, f = fill(track, i);
            ctx.fillStyle = CAR; ctx.fillRect(a, y, b - a, h);
            ctx.fillStyle = CPU; ctx.fillRect(a, y + h * (1 - f), b - a, h * f);
            ctx.strokeStyle = EDGE; ctx.strokeRect(a + 0.5, y + 0.5, Math.max(0, b - a - 1), h - 1);
            continue;
          }
          // Cars narrower than a few pixels: spread each over the pixels it covers, then add up.
          const alive = track.a ? track.a[i] : 1, width = Math.max(x1 - x0, 1e-9);
          for (let px = Math.floor(x0); px < Math.ceil(x1) && px <= plot; px++) {
            const share = (Math.min(x1, px + 1) - Math.max(x0, px)) / width;
            cpu[px] += (track.c[i] / 1e6) * share; time[px] += (t1 - t0) * alive * share;
          }
        }
        if (cars) { aliveLine(ctx, track, y, h, view, k, plot); return; }
        ctx.fillStyle = CAR; // the train: one rectangle per stretch it was alive
        for (let px = 0, from = -1; px <= plot + 1; px++) {
          const alive = px <= plot && time[px] > 0;
          if (alive && from < 0) from = px;
          if (!alive && from >= 0) { ctx.fillRect(GUTTER + from, y, px - from, h); from = -1; }
        }
        ctx.fillStyle = CPU; // what it ran, pixel by pixel, where there is anything to see
        for (let px = 0; px <= plot; px++) {
          if (time[px] <= 0) continue;
          const filled = h * Math.min(1, cpu[px] / time[px]);
          if (filled >= 0.25) ctx.fillRect(GUTTER + px, y + h - filled, 1, filled);
        }
        aliveLine(ctx, track, y, h, view, k, plot);
      });
      axis(ctx, view, width, tracks.length * rowH + 2);
      setRange(container, view);
    }
    function hit(x, y) {
      const r = Math.floor(y / rowH);
      if (x < GUTTER || r < 0 || r >= tracks.length) return null;
      const view = viewOf(client.name), plot = chartWidth - GUTTER - 10;
      const t = view.lo + ((x - GUTTER) / plot) * (view.hi - view.lo);
      let lo = 0, hi = times.length - 1;
      while (lo < hi) { const mid = (lo + hi) >> 1; if (times[mid + 1] <= t) lo = mid + 1; else hi = mid; }
      const track = tracks[r], i = lo - track.f;
      if (i < 0 || i >= track.c.length) return `${track.n}\nnot alive at ${seconds(t)}`;
      const alive = track.a ? ` (${track.a[i]} threads)` : "";
      return `${track.n}${alive}\n${seconds(times[lo])} to ${seconds(times[lo + 1])}: ` +
        `on a CPU ${(fill(track, i) * 100).toFixed(0)}% of the time (${track.c[i].toLocaleString()} µs)`;
    }
    drawers.get(client.name).push(draw);
    draw();
    interactive(container.querySelector("canvas"), client.name, hit);
    bands.forEach((band, b) => {
      if (!band.m) return;
      const button = control(container, `open the ${band.m.length} trains of “${band.n}”`, (on) => {
        if (on) opened.add(b); else opened.delete(b);
        button.textContent = on ? `close them into one band` : `open the ${band.m.length} trains of “${band.n}”`;
        layout(); draw();
      });
    });
  }
  // A toggle under a chart (open a band, expand a timeline): `change(on)` when pressed.
  function control(container, text, change) {
    let bar = container.parentElement.querySelector(".controls");
    if (!bar) { bar = document.createElement("div"); bar.className = "controls"; container.after(bar); }
    const button = document.createElement("button");
    button.type = "button"; button.textContent = text; button.setAttribute("aria-pressed", "false");
    button.addEventListener("click", () => {
      const on = button.getAttribute("aria-pressed") !== "true";
      button.setAttribute("aria-pressed", String(on));
      change(on);
    });
    bar.appendChild(button);
    return button;
  }

  // ---------- over time: the result's series (clients/results/series.py), a line per client
  function series(client) { // points [t, value] at the middle of each step, per figure
    const sr = client.series, step = sr.step, mid = (i) => (i + 0.5) * step;
    const rate = (col) => col.map((v, i) => [mid(i), v / step]);
    const lat = (col) => col.map((v, i) => [mid(i), v < 0 ? null : v * U]);
    return { span: sr.sent.length * step, sent: rate(sr.sent), ok: rate(sr.ok), failed: rate(sr.failed),
      inflight: sr.inflight.map((v, i) => [mid(i), v]), p50: lat(sr.p50), p99: lat(sr.p99) };
  }
  // A line chart in SVG with both axes: `lines` are {name, colour, dashed, points}; a null value
  // breaks the line.
  function lineChart(box, title, lines, span, format, shaded = []) {
    box.textContent = "";
    const width = Math.max(280, box.clientWidth), height = 190, left = 56, right = 10, top = 20, bottom = 30;
    const plot = width - left - right, plotH = height - top - bottom;
    let high = 0;
    for (const line of lines) for (const [t, v] of line.points) if (v !== null && t <= span) high = Math.max(high, v);
    high = high || 1;
    const X = (t) => left + (t / span) * plot, Y = (v) => top + plotH - (v / high) * plotH;
    const root = svg("svg", { width, height, role: "img", "aria-label": title }, box);
    svg("text", { x: left, y: 13, class: "title" }, root).textContent = title;
    for (const v of linearTicks(high, plotH * 1.6)) {
      svg("line", { class: "grid", x1: left, x2: left + plot, y1: Y(v), y2: Y(v) }, root);
      svg("text", { x: left - 6, y: Y(v) + 4, "text-anchor": "end" }, root).textContent = v ? format(v) : "0";
    }
    const ticks = linearTicks(span, plot), step = ticks[1] || span;
    for (const t of ticks) {
      svg("line", { class: "grid", x1: X(t), x2: X(t), y1: top, y2: top + plotH }, root);
      const anchor = X(t) > left + plot - 24 ? "end" : "middle"; // the last stays inside the chart
      svg("text", { x: X(t), y: top + plotH + 16, "text-anchor": anchor }, root).textContent = tickSeconds(t, step);
    }
    svg("line", { class: "axis", x1: left, x2: left, y1: top, y2: top + plotH }, root);
    for (const [name, from, to] of shaded) { // a server's phases, behind the lines
      const x0 = X(Math.max(0, from)), x1 = X(Math.min(span, to));
      if (x1 <= x0) continue;
      svg("rect", { class: "phase", x: x0, y: top, width: x1 - x0, height: plotH }, root);
      svg("text", { x: x0 + 3, y: top + 11 }, root).textContent = name;
    }
    svg("line", { class: "axis", x1: left, x2: left + plot, y1: top + plotH, y2: top + plotH }, root);
    for (const line of lines) {
      let d = "", pen = false;
      for (const [t, v] of line.points) {
        if (v === null || t > span) { pen = false; continue; }
        d += (pen ? "L" : "M") + X(t).toFixed(1) + "," + Y(v).toFixed(1);
        pen = true;
      }
      const group = svg("g", { "data-client": line.name }, root);
      if (d) svg("path", { d, fill: "none", stroke: line.colour, "stroke-width": line.dashed ? 1.4 : 2,
        "stroke-dasharray": line.dashed ? "5 3" : "none" }, group);
      svg("title", {}, group).textContent = line.name + (line.what ? " · " + line.what : "");
    }
  }
  function overTime() {
    const panel = document.querySelector('[data-panel="overtime"]');
    if (!panel) return;
    const ran = DATA.clients.map((client, c) => ({ client, colour: COLOURS[c % COLOURS.length] }))
      .filter((x) => x.client.series);
    const figures = ran.map((x) => series(x.client));
    const on = new Set(ran.map((x) => x.client.name));
    const legend = panel.querySelector(".legend");
    ran.forEach((x) => {
      const item = document.createElement("label");
      item.dataset.client = x.client.name;
      item.style.setProperty("--c", x.colour);
      const box = document.createElement("input");
      box.type = "checkbox"; box.checked = true;
      box.addEventListener("change", () => { if (box.checked) on.add(x.client.name); else on.delete(x.client.name); draw(); });
      const alone = document.createElement("button");
      alone.type = "button"; alone.className = "alone"; alone.textContent = x.client.name;
      alone.title = `${x.client.name} alone, on its own time axis`;
      alone.addEventListener("click", (e) => { e.preventDefault(); only([x.client.name]); });
      item.append(box, alone);
      legend.appendChild(item);
    });
    const every = document.createElement("button");
    every.type = "button"; every.className = "alone"; every.textContent = "every client, one axis";
    every.addEventListener("click", () => only(ran.map((x) => x.client.name)));
    legend.appendChild(every);
    function only(names) {
      on.clear();
      for (const name of names) on.add(name);
      for (const box of legend.querySelectorAll("label input")) box.checked = on.has(box.parentElement.dataset.client);
      draw();
    }
    const charts = [
      ["rate", "requests a second: answered (solid), sent (dashed)", () => [["ok", false, "answered/s"], ["sent", true, "sent/s"]], count],
      ["latency", "latency of the requests ending then: p50 (solid), p99 (dashed)", () => [["p50", false, "p50"], ["p99", true, "p99"]], seconds],
      ["inflight", "requests in flight (mean over each step)", () => [["inflight", false, "in flight"]], count],
      ["failures", "failed attempts a second", () => [["failed", false, "failed/s"]], count],
    ];
    // The server's phases, from the first client whose series has them (they are the server's).
    const phases = (ran.find((x) => x.client.series.phases) || { client: { series: {} } }).client.series.phases || [];
    function draw() {
      const shown = ran.map((x, i) => [x, figures[i]]).filter(([x]) => on.has(x.client.name));
      const span = Math.max(1e-3, ...shown.map(([, f]) => f.span)); // the axis fits what is shown
      for (const [key, title, columns, format] of charts) {
        const lines = [];
        for (const [x, f] of shown) for (const [column, dashed, what] of columns(f)) {
          lines.push({ name: x.client.name, colour: x.colour, dashed, what, points: f[column] });
        }
        lineChart(panel.querySelector(`[data-figure="${key}"]`), title, lines, span, format, phases);
      }
      panel.dataset.span = span.toFixed(4);
    }
    draw();
    api.overTime = { draw, on };
  }
  // The small chart on each client's card: answered requests a second over its own run.
  function sparks() {
    DATA.clients.forEach((client, c) => {
      const box = document.querySelector(`[data-panel="summary"] [data-client="${CSS.escape(client.name)}"] .spark`);
      if (!box || !client.series) return;
      const f = series(client), width = Math.max(120, box.clientWidth), height = 36;
      const high = Math.max(1e-9, ...f.ok.map(([, v]) => v));
      const root = svg("svg", { width, height, role: "img", "aria-label": `${client.name}: answered a second` }, box);
      const d = f.ok.map(([t, v], i) => (i ? "L" : "M") + ((t / f.span) * width).toFixed(1) + "," +
        (height - 2 - (v / high) * (height - 4)).toFixed(1)).join("");
      svg("path", { d: d + `L${width},${height}L0,${height}Z`, fill: COLOURS[c % COLOURS.length], opacity: 0.25 }, root);
      svg("path", { d, fill: "none", stroke: COLOURS[c % COLOURS.length], "stroke-width": 1.5 }, root);
      svg("title", {}, root).textContent = `answered a second over ${seconds(f.span)}, at most ${count(high)}/s`;
    });
  }

  function latency(decoded) {
    const container = document.querySelector('[data-panel="latency"] .chart');
    if (!container) return;
    const series = [];
    DATA.clients.forEach((client, c) => {
      const att = decoded[c];
      if (!att) return;
      const values = Array.from(att.end, (e, i) => e - att.start[i]).sort((p, q) => p - q);
      series.push({ name: client.name, values, colour: COLOURS[c % COLOURS.length] });
    });
    const intended = DATA.intended.map((v) => v * U);
    const every = series.flatMap((s) => [s.values[0], s.values[s.values.length - 1]]).concat(intended.length ? [intended[0], intended[intended.length - 1]] : []);
    if (!every.length) { container.textContent = "no requests to show"; return; }
    const low = Math.max(1e-4, Math.min(...every.filter((v) => v > 0))), high = Math.max(...every);
    const log = high / low > 30;
    const width = Math.max(360, container.clientWidth), height = 260, left = 46, bottom = 36, top = 8;
    const plot = width - left - 16, plotH = height - top - bottom;
    const X = (v) => left + (log ? (Math.log10(Math.max(v, low)) - Math.log10(low)) / (Math.log10(high) - Math.log10(low) || 1)
      : v / (high || 1)) * plot;
    const Y = (q) => top + (1 - q) * plotH;
    const root = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "latency distribution" }, container);
    for (const q of [0, 0.25, 0.5, 0.75, 1]) {
      svg("line", { class: "grid", x1: left, x2: left + plot, y1: Y(q), y2: Y(q) }, root);
      svg("text", { x: 4, y: Y(q) + 4 }, root).textContent = (q * 100).toFixed(0) + "%";
    }
    const ticks = log ? decades(low, high) : linearTicks(high, plot);
    for (const v of ticks) {
      svg("line", { class: "grid", x1: X(v), x2: X(v), y1: top, y2: top + plotH }, root);
      svg("text", { x: X(v) - 12, y: top + plotH + 16 }, root).textContent = seconds(v);
    }
    svg("text", { x: left + plot / 2 - 60, y: height - 4 }, root).textContent = "latency" + (log ? " (log scale)" : "");
    function path(values, colour, dashed, name) {
      const group = svg("g", name ? { "data-client": name } : { class: "intended" }, root);
      const step = Math.max(1, Math.floor(values.length / 400));
      let d = "";
      for (let i = 0; i < values.length; i += step) d += (d ? "L" : "M") + X(values[i]).toFixed(1) + "," + Y((i + 1) / values.length).toFixed(1);
      d += "L" + X(values[values.length - 1]).toFixed(1) + "," + Y(1).toFixed(1);
      svg("path", { d, fill: "none", stroke: colour, "stroke-width": dashed ? 2 : 1.8, "stroke-dasharray": dashed ? "6 4" : "none" }, group);
      if (name) svg("title", {}, group).textContent = `${name}: p50 ${seconds(values[Math.floor(values.length / 2)])}`;
    }
    if (intended.length) path(intended, "#111", true, null);
    series.forEach((s) => path(s.values, s.colour, false, s.name));
    const legend = document.createElement("div");
    legend.className = "legend";
    for (const s of series) { const item = document.createElement("span"); item.style.setProperty("--c", s.colour); item.textContent = s.name; legend.appendChild(item); }
    if (intended.length) { const item = document.createElement("span"); item.className = "dashed"; item.style.setProperty("--c", "#111"); item.textContent = "intended (the server's preview)"; legend.appendChild(item); }
    container.appendChild(legend);
  }
  function decades(low, high) {
    const out = [];
    for (let e = Math.floor(Math.log10(low)); e <= Math.ceil(Math.log10(high)); e++) {
      for (const m of [1, 2, 5]) { const v = m * Math.pow(10, e); if (v >= low * 0.999 && v <= high * 1.001) out.push(v); }
    }
    return out;
  }
  function linearTicks(high, plot) {
    const step = niceStep(high, plot, 90), out = [];
    for (let v = 0; v <= high * 1.0001; v += step) out.push(v);
    return out;
  }

  function drawCompare() {
    api.rows = {};
    const decoded = phase("decode", () => DATA.clients.map(decode));
    let most = 0;
    DATA.clients.forEach((client, c) => {
      const att = decoded[c];
      let max = client.wall || 0;
      if (att) for (let i = 0; i < att.n; i++) max = Math.max(max, att.end[i]);
      if (client.train) { const t = undelta(client.train.t); if (t.length) max = Math.max(max, t[t.length - 1]); }
      max = max || 1;
      most = Math.max(most, max);
      views.set(client.name, { lo: 0, hi: max, max });
      drawers.set(client.name, []);
    });
    Object.assign(sharedView, { lo: 0, hi: most || 1, max: most || 1 });
    measure();
    DATA.clients.forEach((client, c) => {
      phase("train", () => trains(client));
      phase("timeline", () => timeline(client, decoded[c]));
    });
    phase("latency", () => latency(decoded));
    phase("overtime", overTime);
    phase("summary", sparks);
    const timelines = document.querySelector('[data-panel="timeline"] .client');
    if (timelines && DATA.clients.some((c) => c.a)) { // the in-flight strips' scale: shared, or each its own
      const label = document.createElement("label");
      label.className = "switch inflight-scale";
      const own = document.createElement("input");
      own.type = "checkbox"; own.id = "inflight-own";
      own.addEventListener("change", () => { ownScale = own.checked; redraw(); });
      label.append(own, " each client's in-flight chart on its own scale");
      timelines.before(label);
    }
    const box = document.getElementById("shared-axis");
    if (box) box.addEventListener("change", () => { shared = box.checked; Object.assign(sharedView, { lo: 0, hi: sharedView.max }); redraw(); });
    api.view = (name) => ({ ...viewOf(name) });
    api.setShared = (on) => { if (box) box.checked = on; shared = on; redraw(); };
    api.pointOf = (name, index) => { // the middle of a request's bar in the timeline, in page pixels
      const att = decoded[DATA.clients.findIndex((c) => c.name === name)];
      const canvas = frame("timeline", name).querySelector("canvas"), rect = canvas.getBoundingClientRect();
      const { rows, rowH } = api.rows[name];
      const r = rows.findIndex((row) => row.includes(index)), view = viewOf(name);
      const t = (att.start[index] + att.end[index]) / 2, plot = chartWidth - GUTTER - 10;
      return { x: rect.left + GUTTER + ((t - view.lo) / (view.hi - view.lo)) * plot, y: rect.top + r * rowH + rowH / 2 };
    };
    let pending = 0;
    window.addEventListener("resize", () => { clearTimeout(pending); pending = setTimeout(() => { measure(); redraw(); }, 150); });
  }

  // ---------- sweep: a chart per figure against the swept value
  function drawSweep() {
    const container = document.querySelector('[data-draw="sweep"]');
    if (!container) return; // a grid: no axis to draw against (report/gridcharts.py draws it)
    // Each value's label and place on the axis (0 to 1) come with the data, placed as the
    // terminal's plot places them (log or linear, "no limit" as ∞ past a gap).
    const setting = DATA.setting;
    const place = (v) => DATA.places[DATA.values.indexOf(v)];
    const valueLabel = (v) => DATA.labels[DATA.values.indexOf(v)];
    const clients = Array.from(new Set(DATA.points.map((p) => p.client)));
    const figures = [["wall", "wall time", true], ["throughput", "throughput (zips/s)", false], ["p99", "p99 latency", true]];
    const boxes = figures.map(([key]) => { // every box first: the grid sizes them together
      const box = document.createElement("div");
      box.className = "sweep-chart";
      box.dataset.figure = key;
      return container.appendChild(box);
    });
    const boxWidth = Math.max(300, boxes[0].clientWidth);
    for (const [f, [key, title, logY]] of figures.entries()) {
      const box = boxes[f];
      const values = DATA.points.filter((p) => !p.note && p[key] > 0).map((p) => p[key]);
      const width = boxWidth, height = 260, left = 58, bottom = 40, top = 22;
      const plot = width - left - 20, plotH = height - top - bottom;
      const ylo = Math.min(...values), yhi = Math.max(...values);
      const Y = (v) => top + plotH - (logY ? (Math.log10(v) - Math.log10(ylo)) / ((Math.log10(yhi) - Math.log10(ylo)) || 1) : v / (yhi || 1)) * plotH;
      const X = (v) => left + place(v) * plot;
      const root = svg("svg", { width, height, role: "img", "aria-label": title }, box);
      svg("text", { x: left, y: 14 }, root).textContent = title + (logY ? " (log scale)" : "");
      svg("line", { class: "axis", x1: left, x2: left + plot, y1: top + plotH, y2: top + plotH }, root);
      svg("line", { class: "axis", x1: left, x2: left, y1: top, y2: top + plotH }, root);
      let free = -Infinity; // a value's label left out when it would touch the one before
      for (const v of [...DATA.values].sort((a, b) => place(a) - place(b))) {
        svg("line", { class: "grid", x1: X(v), x2: X(v), y1: top, y2: top + plotH }, root);
        const tick = svg("text", { x: X(v), y: top + plotH + 15, "text-anchor": "middle", class: "tick" }, root);
        tick.textContent = valueLabel(v);
        const half = tick.getComputedTextLength() / 2;
        if (X(v) - half < free + 4) tick.remove(); else free = X(v) + half;
      }
      svg("text", { x: left + plot / 2 - 40, y: height - 6 }, root).textContent = `${setting} (${DATA.axis})`;
      const yticks = logY ? decades(ylo, yhi) : linearTicks(yhi, plotH);
      for (const v of yticks.length ? yticks : [ylo, yhi]) {
        svg("text", { x: 2, y: Y(v) + 4 }, root).textContent = key === "throughput" ? Math.round(v).toLocaleString() : seconds(v);
      }
      clients.forEach((name, c) => {
        const colour = COLOURS[c % COLOURS.length];
        const group = svg("g", { "data-client": name }, root);
        const mine = DATA.points.filter((p) => p.client === name && !p.note && p[key] > 0).sort((p, q) => place(p.value) - place(q.value));
        const d = mine.map((p, i) => (i ? "L" : "M") + X(p.value).toFixed(1) + "," + Y(p[key]).toFixed(1)).join("");
        if (d) svg("path", { d, fill: "none", stroke: colour, "stroke-width": 2 }, group);
        for (const p of mine) {
          const link = svg("a", { href: "#value-" + DATA.values.indexOf(p.value) }, group);
          const dot = svg("circle", { cx: X(p.value), cy: Y(p[key]), r: 5, fill: p.correct ? colour : "#fff", stroke: colour, "stroke-width": 2 }, link);
          svg("title", {}, dot).textContent = `${name} at ${setting} ${valueLabel(p.value)}: wall ${seconds(p.wall)}, ` +
            `${Math.round(p.throughput).toLocaleString()} zips/s, p99 ${seconds(p.p99)}${p.correct ? "" : " (wrong total)"}`;
        }
      });
    }
    const legend = document.createElement("div");
    legend.className = "legend";
    clients.forEach((name, c) => { const item = document.createElement("span"); item.dataset.client = name; item.style.setProperty("--c", COLOURS[c % COLOURS.length]); item.textContent = name; legend.appendChild(item); });
    container.after(legend);
  }

  window.addEventListener("error", (e) => api.errors.push(String(e.message)));
  if (DATA.kind === "sweep") drawSweep(); else drawCompare();
  api.ready = true;
  api.drawMs = performance.now();
  document.body.dataset.ready = "true";
})();
